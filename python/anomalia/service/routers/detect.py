"""Detection: score a series sent as JSON or as an uploaded CSV/parquet file."""

from __future__ import annotations

import logging
import time
from typing import Annotated

import pandas as pd
from fastapi import (
    APIRouter,
    Depends,
    File,
    HTTPException,
    Path,
    Query,
    Request,
    Response,
    UploadFile,
)

from anomalia.service import scoring
from anomalia.service.dependencies import app_settings, metrics, registry
from anomalia.service.metrics import ServiceMetrics
from anomalia.service.registry import ModelRegistry
from anomalia.service.schemas import DetectResponse
from anomalia.service.settings import Settings

log = logging.getLogger(__name__)

router = APIRouter(prefix="/models", tags=["detection"])

Name = Annotated[str, Path(description="model name, e.g. `iforest`")]
Version = Annotated[
    int | None, Query(ge=1, description="version to score with (default: the serving one)")
]
ERRORS = {
    404: {"description": "unknown model or version"},
    413: {"description": "too many points or body too large"},
    422: {"description": "the input breaks the data contract"},
    503: {"description": "models not loaded yet"},
}


class _Context:
    """What every detection needs from the app, gathered by one dependency."""

    def __init__(
        self,
        settings: Annotated[Settings, Depends(app_settings)],
        models: Annotated[ModelRegistry, Depends(registry)],
        service_metrics: Annotated[ServiceMetrics, Depends(metrics)],
    ):
        self.settings = settings
        self.models = models
        self.metrics = service_metrics
        self.limits = scoring.RequestLimits(
            settings.max_points, settings.max_series, settings.max_columns
        )

    def detect(self, name: str, version: int | None, observations: pd.DataFrame) -> Response:
        if len(observations) > self.settings.max_points:
            raise HTTPException(
                413,
                f"request has {len(observations)} points; the limit is "
                f"{self.settings.max_points} (ANOMALIA_MAX_POINTS): split it",
            )
        used_version, model_set = self.models.model(name, version)
        started = time.perf_counter()
        scores = scoring.score_observations(model_set, observations)
        self.metrics.scoring.labels(name).observe(time.perf_counter() - started)
        drift = scoring.drift(model_set, observations, self.settings.drift_min_points)
        labels = (name, str(used_version))
        n_anomalies = int(scores["is_anomaly"].sum())
        self.metrics.points.labels(*labels).inc(len(scores))
        self.metrics.anomalies.labels(*labels).inc(n_anomalies)
        for row in drift.itertuples(index=False):
            self.metrics.drift_psi.labels(name, row.series_id, row.feature).set(row.psi)
            self.metrics.drift_ks.labels(name, row.series_id, row.feature).set(row.ks)
            if row.psi > self.settings.drift_psi_threshold:
                log.warning(
                    "input drift on %s series %s feature %s: PSI %.3f over %.3f",
                    name,
                    row.series_id,
                    row.feature,
                    row.psi,
                    self.settings.drift_psi_threshold,
                    extra={
                        "model": name,
                        "version": used_version,
                        "series_id": row.series_id,
                        "feature": row.feature,
                        "psi": round(row.psi, 4),
                        "ks": round(row.ks, 4),
                    },
                )
        # Built as text: pydantic objects per point would cost more than the scoring.
        body = (
            f'{{"model":"{name}","version":{used_version},"n_points":{len(scores)},'
            f'"n_anomalies":{n_anomalies},"scores":{scoring.scores_json(scores)},'
            f'"drift":{scoring.frame_json(drift)}}}'
        )
        return Response(body, media_type="application/json")


Context = Annotated[_Context, Depends()]


async def _raw_body(request: Request) -> bytes:
    # Read here (bounded by the body-limit middleware), parsed in the route by
    # scoring.parse_detect_request, which counts before it parses.
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]
JSON_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DetectRequest"}}},
    }
}


@router.post(
    "/{name}/detect",
    response_model=DetectResponse,
    responses=ERRORS,
    summary="Score series sent as JSON",
    openapi_extra=JSON_BODY,
)
def detect_json(name: Name, raw: RawBody, context: Context, version: Version = None):
    body = scoring.parse_detect_request(raw, context.limits)
    return context.detect(name, version, scoring.observations_from_json(body))


@router.post(
    "/{name}/detect/file",
    response_model=DetectResponse,
    responses={**ERRORS, 415: {"description": "not a .csv or .parquet file"}},
    summary="Score an uploaded observations file (.csv or .parquet, contract columns)",
)
def detect_file(
    name: Name,
    file: Annotated[UploadFile, File(description="observations: series_id, timestamp, values")],
    context: Context,
    version: Version = None,
):
    observations = scoring.observations_from_file(
        file.file.read(), file.filename or "", context.limits
    )
    return context.detect(name, version, observations)
