"""Detection for the service: request bodies into contract tables, scores and drift out."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from anomalia.contract import validate_observations, validate_scores
from anomalia.contract.ingest import ingest, parse_timestamps
from anomalia.contract.schema import IMPUTED_SUFFIX, known_columns
from anomalia.drift import drift_table
from anomalia.exceptions import DataError
from anomalia.modelset import ModelSet
from anomalia.service.schemas import DetectRequest

log = logging.getLogger(__name__)

UPLOAD_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
SOURCE = "request body"


def observations_from_json(body: DetectRequest) -> pd.DataFrame:
    """The series of a JSON request as a validated observations table."""
    reserved = set(known_columns("observations"))
    parts = []
    first = body.series[0]
    for position, series in enumerate(body.series):
        where = f"{SOURCE}, series[{position}] (`{series.series_id}`)"
        if sorted(series.values) != sorted(first.values):
            raise DataError(
                f"{where}: value columns {', '.join(sorted(series.values))} differ from "
                f"series[0]'s {', '.join(sorted(first.values))}; send the same columns for "
                "every series"
            )
        n = len(series.timestamp)
        columns: dict[str, np.ndarray] = {}
        for column, values in series.values.items():
            if column in reserved or column.endswith(IMPUTED_SUFFIX) or not column:
                raise DataError(
                    f"{where}: `{column}` cannot be a value column; name the columns the "
                    "model was trained on"
                )
            if len(values) != n:
                raise DataError(
                    f"{where}: `values.{column}` has {len(values)} values but `timestamp` "
                    f"has {n}; expected one value per timestamp"
                )
            columns[column] = np.array(values, dtype=np.float64)
        try:
            timestamps = parse_timestamps(pd.Series(series.timestamp), where, "timestamp", "UTC")
        except pd.errors.OutOfBoundsDatetime as error:
            raise DataError(
                f"{where}, column `timestamp`: {error}; expected years 1678 to 2261"
            ) from None
        parts.append(
            pd.DataFrame({"series_id": series.series_id, "timestamp": timestamps, **columns})
        )
    return validate_observations(pd.concat(parts, ignore_index=True), source=SOURCE)


def observations_from_file(data: bytes, filename: str) -> pd.DataFrame:
    """An uploaded CSV or parquet file in contract shape as a validated observations table."""
    suffix = Path(filename).suffix.lower()
    if suffix not in UPLOAD_FORMATS:
        raise UnsupportedFileError(
            f"upload {filename!r}: unsupported file type {suffix or '(none)'}; "
            "send a .csv or .parquet file with columns series_id, timestamp and values"
        )
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        tmp.write(data)
        tmp.flush()
        try:
            return ingest(tmp.name, UPLOAD_FORMATS[suffix])
        except DataError as error:
            # ingest names the temporary file; name the upload instead.
            raise DataError(str(error).replace(tmp.name, filename)) from None


class UnsupportedFileError(DataError):
    """An upload of a type the service cannot read (HTTP 415)."""


def score_observations(model_set: ModelSet, observations: pd.DataFrame) -> pd.DataFrame:
    """Score ``observations`` as one independent stream per series, through the engine.

    Each series starts from a fresh stream state and the model set is only
    read, so requests never see one another and the same input always gets
    the same answer.
    """
    scores = model_set.score(observations, progress=False)
    return validate_scores(scores, source=f"`{model_set.detector}` scores")


def drift(model_set: ModelSet, observations: pd.DataFrame, min_points: int) -> pd.DataFrame:
    """PSI and KS of the input against the model's training reference (empty without one)."""
    return drift_table(observations, model_set.reference_, min_points)


def scores_json(scores: pd.DataFrame) -> str:
    """Scores as JSON records, timestamps ISO 8601 in UTC, infinite thresholds as null."""
    out = scores.copy()
    out["threshold"] = out["threshold"].where(np.isfinite(out["threshold"]), None)
    return out.to_json(orient="records", date_format="iso", date_unit="ms")


def frame_json(frame: pd.DataFrame) -> str:
    return frame.to_json(orient="records") if len(frame) else "[]"
