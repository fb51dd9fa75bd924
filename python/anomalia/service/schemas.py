"""Request and response bodies of the service (the OpenAPI document is built from them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SeriesIn(_Body):
    """One series, column-wise: timestamps and one list of values per value column."""

    series_id: str = Field(min_length=1, max_length=256, examples=["cpu-1"])
    timestamp: list[str] = Field(
        min_length=1,
        description="ISO 8601 timestamps, strictly increasing; without an offset they are UTC.",
        examples=[["2026-01-01T00:00:00Z", "2026-01-01T00:05:00Z"]],
    )
    values: dict[str, list[float | None]] = Field(
        min_length=1,
        description="Value column -> values (null where missing), as long as `timestamp`; "
        "the columns the model was trained on.",
        examples=[{"value": [0.52, 0.49]}],
    )


class DetectRequest(_Body):
    """Series to score with one model."""

    series: list[SeriesIn] = Field(min_length=1)


class ScoreRow(BaseModel):
    """One row of the data contract's scores table."""

    series_id: str
    timestamp: datetime
    detector: str
    score: float
    threshold: float | None = Field(description="null only if the threshold is infinite")
    is_anomaly: bool
    status: str = Field(
        "ok", description="`warming_up` before the detector has the history it needs, else `ok`"
    )


class DriftRow(BaseModel):
    """Input drift of one series and value column against the training data."""

    series_id: str
    feature: str
    n: int
    psi: float = Field(description="population stability index over training deciles")
    ks: float = Field(description="Kolmogorov-Smirnov statistic against the training CDF")


class DetectResponse(BaseModel):
    """Scores of every input point, in the contract's scores schema, and input drift."""

    model: str
    version: int
    n_points: int
    n_anomalies: int
    scores: list[ScoreRow]
    drift: list[DriftRow]


class RegisterPath(_Body):
    """Register a folder written by ``anomalia train`` (under the import root)."""

    path: str = Field(min_length=1, examples=["data/models/iforest"])
    serve: bool = Field(True, description="serve the new version at once")


class ServingVersion(_Body):
    """Choose the version a model serves."""

    version: int = Field(ge=1)


class Registered(BaseModel):
    name: str
    version: int
    serving: int


class ModelSummary(BaseModel):
    name: str
    serving: int | None
    versions: list[dict[str, Any]]
    error: str | None = Field(None, description="why the model is skipped, naming the file")
