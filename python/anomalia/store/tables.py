"""The tables a store holds: their columns, and the checks on frames going in and out.

Frames given to a store use the contract's column names. Timestamps may be
UTC-aware or naive (read as UTC); frames read back carry
``datetime64[ns, UTC]`` timestamps, as contract tables do, sorted by their keys.
Inside the package a timestamp travels as int64 nanoseconds since the epoch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from anomalia.exceptions import DataError

#: Anomaly kinds the simulator can inject on request.
INJECTION_KINDS = ("spike", "level_shift", "variance_burst", "flatline")

#: Column kinds of each fixed table, in output order; ``None`` as default marks required.
COLUMNS: dict[str, dict[str, tuple[str, object]]] = {
    "scores": {
        "series_id": ("string", None),
        "timestamp": ("timestamp", None),
        "detector": ("string", None),
        "score": ("float", None),
        "threshold": ("float", None),
        "is_anomaly": ("bool", None),
        "status": ("string", "ok"),
    },
    "alerts": {
        "alert_id": ("string", ""),
        "series_id": ("string", None),
        "timestamp": ("timestamp", None),
        "detector": ("string", None),
        "score": ("float", None),
        "threshold": ("float", None),
        "delivered": ("bool", False),
    },
    "labels": {
        "series_id": ("string", None),
        "timestamp": ("timestamp", None),
        "label": ("label", None),
        "alert_id": ("string", ""),
        "source": ("string", ""),
    },
    "injections": {
        "injection_id": ("int", None),
        "series_id": ("string", None),
        "kind": ("string", None),
        "at": ("timestamp", None),
        "magnitude": ("float", None),
    },
}

#: Columns identifying a row: writing a row with the same key replaces the stored one.
KEYS = {
    "observations": ("series_id", "timestamp"),
    "scores": ("series_id", "detector", "timestamp"),
    "alerts": ("alert_id",),
    "labels": ("series_id", "timestamp"),
    "injections": ("injection_id",),
}

_KEY_COLUMNS = ("series_id", "timestamp")


def alert_id(detector: str, series_id: str, onset: object) -> str:
    """The deterministic id of an alert: ``"{detector}:{series_id}:{onset isoformat}"``.

    The onset is written in UTC with its offset (a naive onset is read as UTC),
    e.g. ``"zscore:cpu-1:2024-01-01T00:05:00+00:00"``.
    """
    stamp = pd.Timestamp(onset)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return f"{detector}:{series_id}:{stamp.isoformat()}"


def _show(value: object) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _timestamps_ns(column: pd.Series, table: str, name: str) -> np.ndarray:
    """int64 nanoseconds (UTC) of a column of timestamps; naive values are UTC."""
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        converted = column.dt.tz_convert("UTC").dt.tz_localize(None)
    elif pd.api.types.is_datetime64_dtype(column):
        converted = column
    else:
        converted = pd.to_datetime(column, utc=True, errors="coerce", format="mixed")
        converted = converted.dt.tz_localize(None)
    converted = converted.astype("datetime64[ns]")
    missing = converted.isna().to_numpy()
    if missing.any():
        row = _first_bad(missing)
        raise DataError(
            f"{table} frame, column `{name}`, row {row + 1}: expected a timestamp, "
            f"got {_show(column.iloc[row])}"
        )
    return converted.array.asi8.copy()


def _numbers(column: pd.Series, table: str, name: str, *, nullable: bool) -> np.ndarray:
    if pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype=np.float64)
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isinf(values) | (np.isnan(values) & column.notna().to_numpy())
    if not nullable:
        bad |= np.isnan(values)
    if bad.any():
        row = _first_bad(bad)
        raise DataError(
            f"{table} frame, column `{name}`, row {row + 1}: expected a finite number, "
            f"got {_show(column.iloc[row])}"
        )
    return values


def _booleans(column: pd.Series, table: str, name: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype=bool)
    values = pd.to_numeric(column, errors="coerce")
    bad = ~values.isin([0, 1]).to_numpy()
    if bad.any():
        row = _first_bad(bad)
        raise DataError(
            f"{table} frame, column `{name}`, row {row + 1}: expected true/false, "
            f"got {_show(column.iloc[row])}"
        )
    return values.to_numpy(dtype=bool)


def _strings(column: pd.Series, table: str, name: str, *, empty: bool) -> np.ndarray:
    if empty:  # an optional text column: missing means empty
        return column.fillna("").astype(str).to_numpy(dtype=object)
    missing = column.isna().to_numpy() | column.astype(str).eq("").to_numpy()
    if missing.any():
        raise DataError(
            f"{table} frame, column `{name}`, row {_first_bad(missing) + 1}: expected a "
            "non-empty string, got a missing value"
        )
    return column.astype(str).to_numpy(dtype=object)


def _check_frame(frame: object, table: str, required: Iterable[str]) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{table} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(
            f"{table} frame: missing column `{missing[0]}`; expected columns {', '.join(required)}"
        )
    return frame.reset_index(drop=True)


def _last_per_key(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Rows repeating a key within one write: the last one wins, as a rewrite would."""
    return frame.drop_duplicates(list(KEYS[table]), keep="last").reset_index(drop=True)


def observations_in(frame: pd.DataFrame) -> pd.DataFrame:
    """An observations frame checked for writing: ids as str, timestamps as int64 ns.

    Every column besides ``series_id`` and ``timestamp`` is a value column:
    numbers (float64, NaN allowed) or booleans (``<value>_imputed`` flags).
    """
    frame = _check_frame(frame, "observations", _KEY_COLUMNS)
    values = [c for c in frame.columns if c not in _KEY_COLUMNS]
    if not values:
        raise DataError(
            "observations frame: no value column; expected `value` or other numeric "
            "columns besides series_id and timestamp"
        )
    out = pd.DataFrame(
        {
            "series_id": _strings(frame["series_id"], "observations", "series_id", empty=False),
            "timestamp": _timestamps_ns(frame["timestamp"], "observations", "timestamp"),
        }
    )
    for name in values:
        if not isinstance(name, str) or not name or name.startswith("_") or name == "time":
            raise DataError(
                f"observations frame: column {name!r} cannot be stored; value column names "
                "are non-empty strings, not `time` and not starting with `_`"
            )
        column = frame[name]
        if pd.api.types.is_bool_dtype(column):
            out[name] = column.to_numpy(dtype=bool)
        else:
            out[name] = _numbers(column, "observations", name, nullable=True)
    return _last_per_key(out, "observations")


def table_in(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """A scores, alerts or labels frame checked for writing, with defaults filled in."""
    spec = COLUMNS[table]
    required = [name for name, (_, default) in spec.items() if default is None]
    frame = _check_frame(frame, table, required)
    out = pd.DataFrame(index=frame.index)
    for name, (kind, default) in spec.items():
        if name not in frame.columns:
            out[name] = default
            continue
        column = frame[name]
        if kind == "string":
            out[name] = _strings(column, table, name, empty=default is not None)
        elif kind == "timestamp":
            out[name] = _timestamps_ns(column, table, name)
        elif kind == "float":
            # A score row may have no score or threshold (NaN): a point with a missing
            # value, or a new series still collecting the points its model is fitted on.
            out[name] = _numbers(column, table, name, nullable=table == "scores")
        elif kind == "bool":
            out[name] = _booleans(column, table, name)
        elif kind == "label":
            out[name] = _booleans(column, table, name).astype(np.int8)
    if table == "alerts":
        stamps = pd.to_datetime(out["timestamp"].to_numpy(dtype=np.int64), unit="ns")
        derived = [
            alert_id(d, s, t)
            for d, s, t in zip(out["detector"], out["series_id"], stamps, strict=True)
        ]
        out["alert_id"] = np.where(out["alert_id"].eq(""), derived, out["alert_id"])
    return _last_per_key(out, table)


def utc(values: np.ndarray | pd.Series) -> pd.Series:
    """int64 ns or naive datetimes as ``datetime64[ns, UTC]`` (NaT stays NaT)."""
    series = pd.Series(values)
    if pd.api.types.is_integer_dtype(series):
        series = pd.to_datetime(series, unit="ns")
    return series.astype("datetime64[ns]").dt.tz_localize("UTC")


def table_out(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """A frame read from a backend in the output form: columns, dtypes, order."""
    if table == "observations":
        first = ["series_id", "timestamp"]
        columns = first + sorted(c for c in frame.columns if c not in first)
    else:
        columns = list(COLUMNS[table])
    out = frame.reindex(columns=columns).reset_index(drop=True)
    for name in columns:
        kind = "float" if table == "observations" else COLUMNS[table][name][0]
        if name in ("series_id", "timestamp"):
            kind = "string" if name == "series_id" else "timestamp"
        if kind == "timestamp":
            out[name] = utc(out[name]).to_numpy() if len(out) else utc(np.zeros(0, np.int64))
        elif kind == "string":
            out[name] = out[name].fillna("").astype(str)
        elif kind == "bool":
            out[name] = out[name].fillna(False).astype(bool)
        elif kind == "label":
            out[name] = out[name].astype(np.int8)
        elif kind == "int":
            out[name] = out[name].astype(np.int64)
        elif not pd.api.types.is_bool_dtype(out[name]):
            out[name] = out[name].astype(np.float64)
    if table == "observations" and "label" in out.columns:
        out["label"] = out["label"].fillna(0).astype(np.int8)
    keys = [k for k in ("series_id", "detector", "timestamp") if k in columns]
    if table == "injections":
        keys = ["injection_id"]
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


def series_ids(series_id: str | Iterable[str] | None) -> list[str] | None:
    """``None`` (all series) or the list of ids asked for."""
    if series_id is None:
        return None
    if isinstance(series_id, str):
        return [series_id]
    return [str(s) for s in series_id]


def instant(value: object, name: str) -> int | None:
    """int64 ns of a timestamp argument (naive = UTC), or ``None``."""
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise DataError(f"`{name}` must be a timestamp, got {_show(value)}") from None
    if pd.isna(stamp):
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return int(stamp.as_unit("ns").value)


def after_ns(after: Mapping[str, object] | None) -> dict[str, int] | None:
    """The ``after`` mapping of ``read_observations`` as {series_id: int64 ns}."""
    if after is None:
        return None
    if not isinstance(after, Mapping):
        raise TypeError(f"`after` must be a mapping of series_id to timestamp, got {after!r}")
    out = {}
    for series_id, stamp in after.items():
        value = instant(stamp, f"after[{series_id!r}]")
        if value is not None:
            out[str(series_id)] = value
    return out
