"""Streams: send the new points of a series as they arrive, get their scores back.

The state of each (model, series) lives on the server (see
:mod:`anomalia.service.stream_store`) and is saved before the answer leaves,
so an answer the client received is never lost. A re-sent timestamp is
answered from the record without updating the state again, so a client that
lost an answer (or a server that died before sending it) can simply send
the points again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from anomalia.contract.ingest import parse_timestamps
from anomalia.engine import StreamState, check_streamable
from anomalia.engine.fleet import advance_series, check_new_series_streamable
from anomalia.exceptions import DataError, StreamingError
from anomalia.service.dependencies import registry
from anomalia.service.registry import ModelRegistry
from anomalia.service.stream_store import StreamStore

router = APIRouter(prefix="/v1/streams", tags=["streams"])

Name = Annotated[str, Path(description="model name, e.g. `zscore`")]
SeriesId = Annotated[str, Path(min_length=1, max_length=256, description="series id")]
ERRORS = {
    404: {"description": "unknown model, or no stream for this series"},
    409: {"description": "a timestamp older than the last one, or a state of another model"},
    422: {"description": "bad points, or a model that cannot stream"},
    503: {"description": "models not loaded yet"},
}


class StreamPoints(BaseModel):
    """New points of one series, column-wise, timestamps strictly increasing."""

    model_config = ConfigDict(extra="forbid")

    timestamp: list[str] = Field(
        min_length=1,
        max_length=10_000,
        description="ISO 8601 timestamps, strictly increasing; without an offset they are UTC.",
        examples=[["2026-01-01T00:00:00Z"]],
    )
    values: dict[str, list[float]] = Field(
        min_length=1,
        description="Value column -> values, as long as `timestamp`; the model's columns.",
        examples=[{"value": [0.52]}],
    )


class StreamScore(BaseModel):
    timestamp: datetime
    score: float
    threshold: float | None = Field(description="null only if the threshold is infinite")
    is_anomaly: bool
    status: str = Field(description="`warming_up` before the detector has its history, else `ok`")


class StreamAnswer(BaseModel):
    model: str
    version: int
    series_id: str
    scores: list[StreamScore]


class StreamSummary(BaseModel):
    model: str
    version: int
    series_id: str
    points_seen: int
    warming_up: bool
    warmup_points: int
    last_timestamp: datetime | None
    last_score: float | None


def streams(request: Request) -> StreamStore:
    """The app's stream states."""
    return request.app.state.streams


Store = Annotated[StreamStore, Depends(streams)]
Registry = Annotated[ModelRegistry, Depends(registry)]


@router.post(
    "/{name}/{series_id}",
    response_model=StreamAnswer,
    responses=ERRORS,
    summary="Append points to a series' stream and score them",
)
def update(name: Name, series_id: SeriesId, body: StreamPoints, models: Registry, store: Store):
    version, model_set = models.model(name)
    member = model_set.members_.get(series_id)
    try:
        if member is None:
            model_set.new_series_points(series_id)  # DataError unless new series are scored
            check_new_series_streamable(model_set)
        else:
            check_streamable(member)
    except StreamingError as error:
        raise HTTPException(422, str(error)) from None
    timestamps, values = _points(body, model_set.value_columns_)
    fingerprint = None if member is None else member.fingerprint
    with store.series(name, series_id):
        state = _load(store, name, series_id, fingerprint)
        if state is None:
            _, state = advance_series(model_set, series_id, None, values[:0])
        recorded = state.recorded(timestamps)
        old = timestamps <= (state.last_timestamp if state.last_timestamp is not None else -1)
        if (recorded[old] < 0).any():
            first = timestamps[old][recorded[old] < 0][0]
            raise HTTPException(
                409,
                f"series `{series_id}`: timestamp {_iso(first)} is older than the last one "
                f"scored, {_iso(state.last_timestamp)}, and not among the recent answers; "
                "send only newer points",
            )
        fresh = ~old
        if fresh.any():
            try:
                _, state = advance_series(
                    model_set, series_id, state, values[fresh], timestamps[fresh]
                )
            except StreamingError as error:
                raise HTTPException(409, f"series `{series_id}`: {error}") from None
            store.save(name, series_id, state)
    rows = state.recorded(timestamps)
    recent = state.recent
    scores = [
        {
            "timestamp": _iso(recent["timestamp"][row]),
            "score": float(recent["score"][row]),
            "threshold": _finite_or_none(recent["threshold"][row]),
            "is_anomaly": bool(recent["is_anomaly"][row]),
            "status": "warming_up" if recent["warming_up"][row] else "ok",
        }
        for row in rows
    ]
    return {"model": name, "version": version, "series_id": series_id, "scores": scores}


@router.get(
    "/{name}/{series_id}",
    response_model=StreamSummary,
    responses=ERRORS,
    summary="Summary of a series' stream: points seen, warming up or not, last score",
)
def summary(name: Name, series_id: SeriesId, models: Registry, store: Store):
    version, model_set = models.model(name)
    member = model_set.members_.get(series_id)
    fingerprint = None if member is None else member.fingerprint
    with store.series(name, series_id):
        state = _load(store, name, series_id, fingerprint)
    if state is None:
        raise HTTPException(404, f"no stream of series `{series_id}` for model `{name}` yet")
    if member is None:
        warmup = model_set.new_series_points(series_id)
    else:
        warmup = member.detector.warmup_rows()
    info = state.summary(warmup)
    if info["last_timestamp"] is not None:
        info["last_timestamp"] = _iso(info["last_timestamp"])
    return {"model": name, "version": version, "series_id": series_id, **info}


@router.delete(
    "/{name}/{series_id}",
    status_code=204,
    responses={404: ERRORS[404]},
    summary="Forget a series' stream (the next update starts it afresh)",
)
def forget(name: Name, series_id: SeriesId, store: Store) -> None:
    with store.series(name, series_id):
        if not store.delete(name, series_id):
            raise HTTPException(404, f"no stream of series `{series_id}` for model `{name}`")


def _load(store: StreamStore, name: str, series_id: str, fingerprint: str) -> StreamState | None:
    try:
        return store.load(name, series_id, fingerprint)
    except StreamingError as error:
        raise HTTPException(
            409, f"{error}; DELETE /v1/streams/{name}/{series_id} forgets the old stream"
        ) from None


def _points(body: StreamPoints, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Timestamps (int64 ns, UTC) and values (n, n_columns) of a stream update."""
    where = "request body"
    if sorted(body.values) != sorted(columns):
        raise DataError(
            f"{where}: value columns {', '.join(sorted(body.values))} differ from the "
            f"model's {', '.join(columns)}"
        )
    n = len(body.timestamp)
    for column, values in body.values.items():
        if len(values) != n:
            raise DataError(
                f"{where}: `values.{column}` has {len(values)} values but `timestamp` has {n}; "
                "expected one value per timestamp"
            )
    values = np.column_stack([np.asarray(body.values[c], dtype=np.float64) for c in columns])
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise DataError(
            f"{where}, `values.{columns[col]}`, row {row + 1}: expected a finite number, "
            f"got {values[row, col]}"
        )
    try:
        parsed = parse_timestamps(pd.Series(body.timestamp), where, "timestamp", "UTC")
    except pd.errors.OutOfBoundsDatetime as error:
        raise DataError(
            f"{where}, column `timestamp`: {error}; expected years 1678 to 2261"
        ) from None
    timestamps = parsed.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    if n > 1 and not (np.diff(timestamps) > 0).all():
        row = int(np.flatnonzero(np.diff(timestamps) <= 0)[0]) + 2
        raise DataError(f"{where}, column `timestamp`, row {row}: timestamps must increase")
    return timestamps, values


def _iso(nanoseconds: int) -> str:
    return pd.Timestamp(int(nanoseconds), tz="UTC").isoformat()


def _finite_or_none(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None
