"""Read CSV, parquet and NAB-style CSV files into the observations contract.

``ingest`` is the one door through which outside data enters: it maps the
file's columns onto the contract, parses timestamps to UTC, optionally sorts
and de-duplicates, then validates. Every problem is reported with the file,
column and row.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from anomalia.contract.edf import SUFFIXES as EDF_SUFFIXES
from anomalia.contract.edf import read_edf
from anomalia.contract.validate import validate_observations
from anomalia.exceptions import DataError

Format = Literal["auto", "csv", "parquet", "nab", "edf"]
Deduplicate = Literal["error", "first", "last", "mean"]

# A UTC offset written after a time of day: "...12:00Z", "...12:00:00.5+02:00", "...1200-0500".
_TZ_SUFFIX = re.compile(
    r"[T ]\d{2}:?\d{2}(?::?\d{2}(?:\.\d+)?)?\s*(?:Z|UTC|[+-]\d{2}(?::?\d{2})?)$", re.IGNORECASE
)


@dataclass(frozen=True)
class IngestOptions:
    """How the columns of a source file map onto the contract.

    Parameters
    ----------
    timestamp_column : str
        Column holding the timestamps.
    series_column : str or None
        Column identifying the series; when absent from the file, every row
        belongs to one series named ``series_id`` (or the file's stem).
    series_id : str or None
        Series name for files with one series.
    value_columns : tuple of str or None
        Value columns; by default every column not otherwise used.
    label_column : str or None
        Column of 0/1 labels, renamed ``label``; ``"label"`` is used when present.
    timezone : str
        Zone of timestamps written without an offset (converted to UTC).
    sort : bool
        Sort rows by series and time instead of rejecting unsorted input.
    deduplicate : {"error", "first", "last", "mean"}
        What to do with repeated timestamps within a series.
    nab_labels : Path or None
        NAB ``combined_windows.json``; points inside a window get label 1.
    edf_rate : float or None
        Common sampling rate (Hz) of an EDF file's channels; default the slowest.
    """

    timestamp_column: str = "timestamp"
    series_column: str | None = "series_id"
    series_id: str | None = None
    value_columns: tuple[str, ...] | None = None
    label_column: str | None = None
    timezone: str = "UTC"
    sort: bool = False
    deduplicate: Deduplicate = "error"
    nab_labels: Path | None = None
    edf_rate: float | None = None


def _read_source(path: Path, file_format: Format) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if file_format == "auto":
        file_format = "parquet" if path.suffix.lower() in (".parquet", ".pq") else "csv"
    if file_format == "parquet":
        try:
            return pd.read_parquet(path)
        except Exception as error:  # pyarrow raises several unrelated types
            raise DataError(f"{path}: not a readable parquet file ({error})") from None
    try:
        return pd.read_csv(path, dtype={"series_id": str}, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty; expected a header and rows") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: not a readable CSV file ({error})") from None


def parse_timestamps(column: pd.Series, source: str, name: str, timezone: str) -> pd.Series:
    """Parse a column of timestamps to ``datetime64[ns, UTC]``.

    Text without an offset is read in ``timezone``; text with an offset is
    converted to UTC. A column mixing both conventions is rejected.
    """
    where = f"{source}, column `{name}`"
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        return column.dt.tz_convert("UTC")
    if pd.api.types.is_datetime64_dtype(column):
        return _localize(column, where, timezone)
    text = column.astype("string")
    missing = text.isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0]) + 1
        raise DataError(f"{where}, row {row}: expected a timestamp, got a missing value")
    aware = text.str.strip().str.contains(_TZ_SUFFIX).to_numpy(dtype=bool)
    if aware.any() and not aware.all():
        first_aware = int(np.flatnonzero(aware)[0]) + 1
        first_naive = int(np.flatnonzero(~aware)[0]) + 1
        raise DataError(
            f"{where}: mixed timezones: row {first_naive} ({text.iloc[first_naive - 1]!r}) has "
            f"no UTC offset but row {first_aware} ({text.iloc[first_aware - 1]!r}) has one; "
            "expected all timestamps with an offset or all without"
        )
    parsed = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=bool(aware.all()))
    bad = parsed.isna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        raise DataError(
            f"{where}, row {row}: expected an ISO 8601 timestamp such as "
            f"'2024-01-31 13:45:00', got {text.iloc[row - 1]!r}"
        )
    if aware.all():
        return parsed.astype("datetime64[ns, UTC]")
    return _localize(parsed, where, timezone)


def _localize(column: pd.Series, where: str, timezone: str) -> pd.Series:
    try:
        local = column.dt.tz_localize(timezone, ambiguous="raise", nonexistent="raise")
    except Exception as error:  # pytz/zoneinfo raise several types
        raise DataError(
            f"{where}: cannot read timestamps in timezone {timezone!r} ({error}); "
            "pass --timezone UTC or timestamps with offsets"
        ) from None
    return local.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")


def _nab_windows(labels_file: Path, path: Path) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    try:
        windows = json.loads(labels_file.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise DataError(f"{labels_file}: not a readable NAB labels file ({error})") from None
    key = f"{path.parent.name}/{path.name}"
    if key not in windows:
        raise DataError(f"{labels_file}: no windows listed for `{key}`")
    return [(pd.Timestamp(a, tz="UTC"), pd.Timestamp(b, tz="UTC")) for a, b in windows[key]]


def _deduplicate(frame: pd.DataFrame, how: Deduplicate) -> pd.DataFrame:
    keys = ["series_id", "timestamp"]
    if how in ("first", "last"):
        return frame.drop_duplicates(keys, keep=how)
    aggregations = {
        c: ("max" if c == "label" or c.endswith("_imputed") else "mean")
        for c in frame.columns
        if c not in keys
    }
    return frame.groupby(keys, sort=False, as_index=False).agg(aggregations)


def ingest(
    path: str | Path,
    file_format: Format = "auto",
    options: IngestOptions | None = None,
) -> pd.DataFrame:
    """Read ``path`` and return a validated observations table.

    Parameters
    ----------
    path : str or Path
        CSV, parquet, NAB-style CSV (``timestamp,value``) or EDF file.
    file_format : {"auto", "csv", "parquet", "nab", "edf"}
        ``auto`` decides by the file extension (EDF: :func:`anomalia.contract.edf.read_edf`).
    options : IngestOptions, optional
        Column mapping and repairs; defaults suit files already in contract shape.

    Returns
    -------
    DataFrame
        Observations in the contract: ``series_id``, ``timestamp`` (UTC), values,
        optional ``label``.

    Raises
    ------
    DataError
        Naming the file, column and row of the first problem.
    """
    path = Path(path)
    options = options or IngestOptions()
    if file_format == "edf" or (file_format == "auto" and path.suffix.lower() in EDF_SUFFIXES):
        return read_edf(
            path, series_id=options.series_id, rate=options.edf_rate, timezone=options.timezone
        )
    source = str(path)
    frame = _read_source(path, "csv" if file_format == "nab" else file_format)
    if len(frame) == 0:
        raise DataError(f"{source}: the file has no rows; expected at least one observation")
    if options.timestamp_column not in frame.columns:
        raise DataError(
            f"{source}: missing column `{options.timestamp_column}` (the timestamps); "
            f"found columns: {', '.join(map(str, frame.columns))}; "
            "name the right one with --timestamp-column"
        )
    frame = frame.rename(columns={options.timestamp_column: "timestamp"})
    if file_format == "nab":
        series_id = options.series_id or path.stem
    elif options.series_column and options.series_column in frame.columns:
        frame = frame.rename(columns={options.series_column: "series_id"})
        series_id = None
    else:
        series_id = options.series_id or path.stem
    label_column = options.label_column or ("label" if "label" in frame.columns else None)
    if label_column is not None:
        if label_column not in frame.columns:
            raise DataError(f"{source}: missing label column `{label_column}`")
        frame = frame.rename(columns={label_column: "label"})
    used = {"series_id", "timestamp", "label"}
    if options.value_columns is not None:
        absent = [c for c in options.value_columns if c not in frame.columns]
        if absent:
            raise DataError(
                f"{source}: missing value column `{absent[0]}`; "
                f"found columns: {', '.join(map(str, frame.columns))}"
            )
        values = list(options.value_columns)
    else:
        values = [c for c in frame.columns if c not in used]
    flags = [f"{c}_imputed" for c in values if f"{c}_imputed" in frame.columns]
    values = [c for c in values if c not in flags]
    keep = [c for c in ("series_id", "timestamp") if c in frame.columns] + values + flags
    if "label" in frame.columns:
        keep.append("label")
    frame = frame[keep].copy()
    if series_id is not None:
        frame.insert(0, "series_id", series_id)
    frame["timestamp"] = parse_timestamps(
        frame["timestamp"], source, options.timestamp_column, options.timezone
    )
    if options.nab_labels is not None:
        label = np.zeros(len(frame), dtype=np.int8)
        for start, end in _nab_windows(Path(options.nab_labels), path):
            label[((frame["timestamp"] >= start) & (frame["timestamp"] <= end)).to_numpy()] = 1
        frame["label"] = label
    if options.sort:
        frame = frame.sort_values(["series_id", "timestamp"], kind="stable")
    if options.deduplicate != "error":
        frame = _deduplicate(frame, options.deduplicate)
    return validate_observations(frame.reset_index(drop=True), source=source)
