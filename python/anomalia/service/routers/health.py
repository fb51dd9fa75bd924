"""Liveness and readiness probes (never behind the API key)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from anomalia import __version__
from anomalia.service.dependencies import registry
from anomalia.service.registry import ModelRegistry

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness: the process answers")
def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@router.get(
    "/ready",
    summary="Readiness: loading done and at least one model serves; broken ones are named",
    responses={503: {"description": "models loading, failed, or none registered"}},
)
def ready(models: Annotated[ModelRegistry, Depends(registry)]) -> Any:
    serving = models.serving()
    failed = {**models.import_failures, **models.failures}
    if models.ready:
        # Broken models are skipped and named; the others serve, so the instance is ready.
        if failed:
            return {"status": "degraded", "models": serving, "failed": failed}
        return {"status": "ready", "models": serving}
    if models.state != "done":
        reason = "models are loading"
    elif failed:
        reason = "; ".join(f"{name}: {error}" for name, error in failed.items())
    else:
        reason = (
            "no models registered: train with `anomalia train` into the models folder and "
            "restart, or POST /models/{name}/versions"
        )
    return JSONResponse(
        {"status": "not ready", "detail": reason, "models": serving, "failed": failed},
        status_code=503,
    )
