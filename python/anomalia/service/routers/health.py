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
    summary="Readiness: every registered model's serving version is loaded",
    responses={503: {"description": "models loading, failed, or none registered"}},
)
def ready(models: Annotated[ModelRegistry, Depends(registry)]) -> Any:
    serving = models.serving()
    if models.ready:
        return {"status": "ready", "models": serving}
    if models.state != "done":
        reason = "models are loading"
    elif models.failures:
        reason = "; ".join(f"{name}: {error}" for name, error in models.failures.items())
    else:
        reason = (
            "no models registered: train with `anomalia train` into the models folder and "
            "restart, or POST /models/{name}/versions"
        )
    return JSONResponse(
        {"status": "not ready", "detail": reason, "models": serving}, status_code=503
    )
