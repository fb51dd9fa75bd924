"""Detection for the service: request bodies into contract tables, scores and drift out."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

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
# Columns of an observations table besides the value columns (series_id, timestamp, label
# and one `_imputed` flag per value column at most).
RESERVED_COLUMNS = 3


@dataclasses.dataclass(frozen=True)
class RequestLimits:
    """How much one detection request may ask for (settings ``max_points`` etc.)."""

    max_points: int = 100_000
    max_series: int = 1_000
    max_columns: int = 100


class TooLargeError(DataError):
    """A request over a work limit (HTTP 413); raised before the work is done."""


def _over(what: str, count: int | str, limit: int, setting: str, advice: str) -> TooLargeError:
    return TooLargeError(
        f"request has {count} {what}; the limit is {limit} (ANOMALIA_{setting}): {advice}"
    )


SERIES_KEY = b'"series_id"'


def parse_detect_request(raw: bytes, limits: RequestLimits) -> DetectRequest:
    """A JSON detect request from its raw bytes, refused over the limits before the work.

    Series are counted in the bytes first: every series needs a `series_id`
    key, and in JSON ``"series_id"`` with plain quotes is a key or a whole
    string, so a valid request holds that token at most twice per series. A
    flood of small entries is refused before any parsing. The body is then
    parsed and validated in one pass by pydantic's JSON reader, and points and
    columns are counted before any table is built.

    Raises
    ------
    TooLargeError
        Over ``max_series``, ``max_columns`` or ``max_points`` (HTTP 413).
    RequestValidationError
        Not JSON, or not a detect request; errors located under ``body``.
    """
    tokens = raw.count(SERIES_KEY)
    if tokens > 2 * limits.max_series:
        raise _over(
            "series", f"more than {limits.max_series}", limits.max_series, "MAX_SERIES", "split it"
        )
    try:
        body = DetectRequest.model_validate_json(raw)
    except ValidationError as error:
        problems = []
        for problem in error.errors(include_url=False, include_input=False):
            message = problem["msg"]
            if problem["type"] == "json_invalid":
                message = f"JSON decode error: {problem['ctx']['error']}"
            loc = ("body", *problem["loc"])
            problems.append({"type": problem["type"], "loc": loc, "msg": message})
        raise RequestValidationError(problems) from None
    check_json_limits(body, limits)
    return body


def check_json_limits(body: DetectRequest, limits: RequestLimits) -> None:
    """Refuse a JSON request over the limits, by counting only (no frame is built)."""
    if len(body.series) > limits.max_series:
        raise _over("series", len(body.series), limits.max_series, "MAX_SERIES", "split it")
    points = 0
    for series in body.series:
        if len(series.values) > limits.max_columns:
            raise _over(
                f"value columns in series `{series.series_id}`",
                len(series.values),
                limits.max_columns,
                "MAX_COLUMNS",
                "send the columns the model was trained on",
            )
        points += len(series.timestamp)
    if points > limits.max_points:
        raise _over("points", points, limits.max_points, "MAX_POINTS", "split it")


def observations_from_json(body: DetectRequest) -> pd.DataFrame:
    """The series of a JSON request as a validated observations table.

    One table is built from flat arrays (no frame per series, no concat) and
    every timestamp is parsed in one call; only when that fails are the series
    parsed one by one, for a message naming the series and row.
    """
    reserved = set(known_columns("observations"))
    first = body.series[0]
    names = list(first.values)
    for position, series in enumerate(body.series):
        where = f"{SOURCE}, series[{position}] (`{series.series_id}`)"
        if sorted(series.values) != sorted(names):
            raise DataError(
                f"{where}: value columns {', '.join(sorted(series.values))} differ from "
                f"series[0]'s {', '.join(sorted(names))}; send the same columns for "
                "every series"
            )
        n = len(series.timestamp)
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
    lengths = [len(series.timestamp) for series in body.series]
    stamps = [stamp for series in body.series for stamp in series.timestamp]
    frame = pd.DataFrame(
        {
            "series_id": np.repeat(
                np.array([series.series_id for series in body.series], dtype=object), lengths
            ),
            "timestamp": _timestamps(body, stamps),
            **{
                column: np.array(
                    [value for series in body.series for value in series.values[column]],
                    dtype=np.float64,
                )
                for column in names
            },
        }
    )
    return validate_observations(frame, source=SOURCE)


def _timestamps(body: DetectRequest, stamps: list[str]) -> pd.DatetimeIndex:
    """All timestamps of the request in UTC (text without an offset is UTC)."""
    try:
        # In nanoseconds, as the contract has it: out-of-range years fail here too.
        return pd.to_datetime(stamps, format="ISO8601", utc=True).as_unit("ns")
    except (ValueError, OverflowError):
        pass  # find the series and row, with the contract reader's message
    for position, series in enumerate(body.series):
        where = f"{SOURCE}, series[{position}] (`{series.series_id}`)"
        try:
            parse_timestamps(pd.Series(series.timestamp), where, "timestamp", "UTC")
        except pd.errors.OutOfBoundsDatetime as error:
            raise DataError(
                f"{where}, column `timestamp`: {error}; expected years 1678 to 2261"
            ) from None
    raise DataError(f"{SOURCE}: unreadable timestamps; expected ISO 8601 text")


def observations_from_file(
    data: bytes, filename: str, limits: RequestLimits | None = None
) -> pd.DataFrame:
    """An uploaded CSV or parquet file in contract shape as a validated observations table.

    Columns and rows are counted (the CSV header line and line breaks, the
    parquet footer) before anything is parsed.
    """
    suffix = Path(filename).suffix.lower()
    if suffix not in UPLOAD_FORMATS:
        raise UnsupportedFileError(
            f"upload {filename!r}: unsupported file type {suffix or '(none)'}; "
            "send a .csv or .parquet file with columns series_id, timestamp and values"
        )
    _check_file_limits(data, filename, UPLOAD_FORMATS[suffix], limits or RequestLimits())
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        tmp.write(data)
        tmp.flush()
        try:
            return ingest(tmp.name, UPLOAD_FORMATS[suffix])
        except DataError as error:
            # ingest names the temporary file; name the upload instead.
            raise DataError(str(error).replace(tmp.name, filename)) from None


def _check_file_limits(data: bytes, filename: str, kind: str, limits: RequestLimits) -> None:
    max_columns = 2 * limits.max_columns + RESERVED_COLUMNS
    if kind == "csv":
        header = data[: data.find(b"\n")] if b"\n" in data else data
        columns = header.count(b",") + 1
        rows = data.count(b"\n") - 1 + (not data.endswith(b"\n"))
    else:
        try:
            metadata = pq.ParquetFile(io.BytesIO(data)).metadata
        except (pa.ArrowException, OSError, ValueError):
            return  # not parquet: the reader says so, naming the upload
        columns, rows = metadata.num_columns, metadata.num_rows
    where = f"upload {filename!r}"
    if columns > max_columns:
        raise TooLargeError(
            f"{where}: {columns} columns; the limit is {max_columns} (series_id, timestamp, "
            "label and ANOMALIA_MAX_COLUMNS value columns with their flags): send the "
            "columns the model was trained on"
        )
    if rows > limits.max_points:
        raise TooLargeError(
            f"{where}: {rows} rows; the limit is {limits.max_points} points "
            "(ANOMALIA_MAX_POINTS): split it"
        )


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
    """Scores as JSON records, timestamps ISO 8601 in UTC (ms), non-finite numbers as null.

    Written as text, column by column: pandas' ``to_json`` (or a dict per row)
    cost more than scoring with a simple detector. Strings are JSON-encoded
    once per distinct value; numbers are written by ``repr`` (exact).
    """
    stamps = scores["timestamp"].dt.tz_convert(None).to_numpy().astype("datetime64[ms]")
    status = scores["status"] if "status" in scores.columns else pd.Series("ok", scores.index)
    rows = zip(  # noqa: B905 (equal lengths: columns of one frame; strict costs a check per row)
        _encoded(scores["series_id"]),
        np.datetime_as_string(stamps, unit="ms").tolist(),
        _encoded(scores["detector"]),
        _numbers(scores["score"]),
        _numbers(scores["threshold"]),
        np.where(scores["is_anomaly"].to_numpy(dtype=bool), "true", "false").tolist(),
        _encoded(status),
    )
    return (
        "["
        + ",".join(
            f'{{"series_id":{series},"timestamp":"{stamp}Z","detector":{detector},'
            f'"score":{score},"threshold":{threshold},"is_anomaly":{flag},"status":{state}}}'
            for series, stamp, detector, score, threshold, flag, state in rows
        )
        + "]"
    )


def _encoded(column: pd.Series) -> list[str]:
    codes, uniques = pd.factorize(column)
    encoded = np.array([json.dumps(str(value)) for value in uniques], dtype=object)
    return encoded[codes].tolist()


def _numbers(column: pd.Series) -> list[str]:
    values = column.to_numpy(dtype=np.float64)
    text = np.array([repr(value) for value in values.tolist()], dtype=object)
    text[~np.isfinite(values)] = "null"
    return text.tolist()


def frame_json(frame: pd.DataFrame) -> str:
    return frame.to_json(orient="records") if len(frame) else "[]"
