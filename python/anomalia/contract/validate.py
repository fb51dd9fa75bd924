"""Validation of observation and score tables against the data contract.

Each check raises :class:`~anomalia.exceptions.DataError` naming the source,
the column, the row (data rows counted from 1) and what was expected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from anomalia.contract.schema import (
    IMPUTED_SUFFIX,
    known_columns,
    required_columns,
    table_schema,
    value_columns,
)
from anomalia.exceptions import DataError


def _show(value: object) -> str:
    """Repr of a cell as a user wrote it (no numpy type names)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _first_row(mask: np.ndarray) -> int:
    """1-based number of the first True row."""
    return int(np.flatnonzero(mask)[0]) + 1


def _check_columns(frame: pd.DataFrame, table: str, source: str) -> None:
    missing = [c for c in required_columns(table) if c not in frame.columns]
    if missing:
        found = ", ".join(map(str, frame.columns)) or "none"
        raise DataError(
            f"{source}: missing column `{missing[0]}` required by the {table} table; "
            f"found columns: {found}"
        )


def _check_not_empty(frame: pd.DataFrame, source: str) -> None:
    if len(frame) == 0:
        raise DataError(f"{source}: the file has no rows; expected at least one observation")


def _check_series_id(frame: pd.DataFrame, source: str) -> None:
    ids = frame["series_id"]
    missing = ids.isna().to_numpy()
    if missing.any():
        raise DataError(
            f"{source}, column `series_id`, row {_first_row(missing)}: "
            "expected a series identifier, got a missing value"
        )
    if not (pd.api.types.is_string_dtype(ids) or pd.api.types.is_object_dtype(ids)):
        raise DataError(f"{source}, column `series_id`: expected strings, got dtype {ids.dtype}")
    not_str = ~ids.map(lambda v: isinstance(v, str)).to_numpy()
    if not_str.any():
        row = _first_row(not_str)
        raise DataError(
            f"{source}, column `series_id`, row {row}: expected a string, "
            f"got {_show(ids.iloc[row - 1])}"
        )


def _check_timestamp(frame: pd.DataFrame, source: str) -> None:
    ts = frame["timestamp"]
    if not isinstance(ts.dtype, pd.DatetimeTZDtype):
        if pd.api.types.is_datetime64_dtype(ts):
            raise DataError(
                f"{source}, column `timestamp`: timestamps have no timezone; expected UTC "
                "(convert with `anomalia ingest --timezone ZONE`)"
            )
        raise DataError(
            f"{source}, column `timestamp`: expected UTC timestamps, got dtype {ts.dtype} "
            "(convert text files with `anomalia ingest`)"
        )
    if str(ts.dtype.tz) not in ("UTC", "utc"):
        raise DataError(f"{source}, column `timestamp`: expected timezone UTC, got {ts.dtype.tz}")
    missing = ts.isna().to_numpy()
    if missing.any():
        raise DataError(
            f"{source}, column `timestamp`, row {_first_row(missing)}: "
            "expected a timestamp, got a missing value"
        )


def _check_order(frame: pd.DataFrame, keys: list[str], source: str) -> None:
    """Timestamps must strictly increase within each group of ``keys``."""
    ts = frame["timestamp"].array.asi8  # int64 nanoseconds since the epoch, UTC
    same_group = np.ones(len(frame) - 1, dtype=bool)
    for key in keys:
        values = frame[key].to_numpy()
        same_group &= values[1:] == values[:-1]
    step = ts[1:] - ts[:-1]
    duplicate = same_group & (step == 0)
    backwards = same_group & (step < 0)
    group = " / ".join(f"{k} `{{{k}}}`" for k in keys)
    for mask, problem in ((duplicate, "duplicate"), (backwards, "unsorted")):
        if mask.any():
            row = _first_row(mask) + 1
            labels = {k: frame[k].iloc[row - 1] for k in keys}
            previous = frame["timestamp"].iloc[row - 2]
            current = frame["timestamp"].iloc[row - 1]
            if problem == "duplicate":
                detail = f"duplicate timestamp {current} (also at row {row - 1})"
            else:
                detail = f"timestamp {current} goes backwards (row {row - 1} has {previous})"
            raise DataError(
                f"{source}, column `timestamp`, row {row}: {detail} in "
                f"{group.format(**labels)}; expected strictly increasing timestamps "
                "within each series (sort and de-duplicate, e.g. with `anomalia ingest "
                "--sort --deduplicate first`)"
            )
    # Rows of one series must also be contiguous, or per-series order is ambiguous.
    starts = frame.groupby(keys, sort=False).ngroups
    runs = 1 + int((~same_group).sum()) if len(frame) else 0
    if runs != starts:
        raise DataError(
            f"{source}: rows of each series must be contiguous; sort by "
            f"{', '.join(keys)} then timestamp"
        )


def _as_numbers(series: pd.Series, column: str, source: str) -> pd.Series:
    """Numeric text becomes float64 (blank cells are missing); anything else is an error."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.astype(np.float64)
    text = series.astype("string").str.strip()
    text = text.mask(text == "")
    parsed = pd.to_numeric(text, errors="coerce")
    bad = (parsed.isna() & text.notna()).to_numpy(dtype=bool)
    if bad.any() or pd.api.types.is_bool_dtype(series):
        row = _first_row(bad) if bad.any() else 1
        raise DataError(
            f"{source}, column `{column}`, row {row}: expected a number, "
            f"got {_show(series.iloc[row - 1])}"
        )
    return parsed.astype(np.float64)


def _check_values(frame: pd.DataFrame, columns: list[str], source: str) -> None:
    """Check value columns and convert them to float64 in place."""
    if not columns:
        raise DataError(
            f"{source}: no value column; expected at least one numeric column besides "
            f"{', '.join(known_columns('observations'))}"
        )
    for column in columns:
        frame[column] = _as_numbers(frame[column], column, source)
        values = frame[column].to_numpy(dtype=np.float64, na_value=np.nan)
        infinite = np.isinf(values)
        if infinite.any():
            row = _first_row(infinite)
            raise DataError(
                f"{source}, column `{column}`, row {row}: expected a finite number, "
                f"got {values[row - 1]}"
            )
        all_missing = pd.Series(np.isnan(values)).groupby(frame["series_id"].to_numpy()).all()
        if all_missing.any():
            series_id = all_missing.index[all_missing.to_numpy()][0]
            raise DataError(
                f"{source}, column `{column}`: series `{series_id}` has no values "
                "(all missing); drop the series or supply data"
            )


def _check_flags(frame: pd.DataFrame, values: list[str], source: str) -> None:
    for column in [c for c in frame.columns if str(c).endswith(IMPUTED_SUFFIX)]:
        base = str(column)[: -len(IMPUTED_SUFFIX)]
        if base not in values:
            raise DataError(
                f"{source}, column `{column}`: imputed flag for unknown value column `{base}`"
            )
        if not pd.api.types.is_bool_dtype(frame[column]):
            raise DataError(
                f"{source}, column `{column}`: expected true/false flags, got dtype "
                f"{frame[column].dtype}"
            )


def _check_label(frame: pd.DataFrame, source: str) -> None:
    if "label" not in frame.columns:
        return
    label = frame["label"]
    numeric = pd.to_numeric(label, errors="coerce")
    bad = ~numeric.isin([0, 1]).to_numpy()
    if bad.any():
        row = _first_row(bad)
        raise DataError(
            f"{source}, column `label`, row {row}: expected 0 or 1, "
            f"got {_show(label.iloc[row - 1])}"
        )


def validate_observations(frame: pd.DataFrame, source: str = "observations") -> pd.DataFrame:
    """Check an observations table and return it with canonical dtypes.

    Parameters
    ----------
    frame : DataFrame
        Columns ``series_id``, ``timestamp`` (UTC), value columns, optional
        ``label`` and ``<value>_imputed`` flags.
    source : str
        Name used in error messages, usually the file path.

    Returns
    -------
    DataFrame
        The same rows, value columns as float64, label as int8.

    Raises
    ------
    DataError
        On the first violation, naming source, column, row and expectation.
    """
    _check_not_empty(frame, source)
    _check_columns(frame, "observations", source)
    out = frame.reset_index(drop=True).copy()
    _check_series_id(out, source)
    _check_timestamp(out, source)
    values = value_columns(list(out.columns))
    _check_values(out, values, source)
    _check_flags(out, values, source)
    _check_label(out, source)
    _check_order(out, ["series_id"], source)
    out["series_id"] = out["series_id"].astype(str)
    out["timestamp"] = out["timestamp"].astype("datetime64[ns, UTC]")
    if "label" in out.columns:
        out["label"] = out["label"].astype(np.int8)
    return out


def _allowed(table: str, column: str) -> list:
    return next(c["allowed"] for c in table_schema(table)["columns"] if c["name"] == column)


def validate_scores(frame: pd.DataFrame, source: str = "scores") -> pd.DataFrame:
    """Check a scores table (see ``schema.json``) and return it with canonical dtypes."""
    _check_not_empty(frame, source)
    _check_columns(frame, "scores", source)
    extra = [c for c in frame.columns if c not in known_columns("scores")]
    if extra:
        raise DataError(f"{source}: unexpected column `{extra[0]}` in a scores table")
    _check_series_id(frame, source)
    _check_timestamp(frame, source)
    for column in ("score", "threshold"):
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(values) if column == "score" else np.isnan(values)
        if bad.any():
            row = _first_row(bad)
            raise DataError(
                f"{source}, column `{column}`, row {row}: expected a finite number, "
                f"got {_show(frame[column].iloc[row - 1])}"
            )
    if not pd.api.types.is_bool_dtype(frame["is_anomaly"]):
        raise DataError(
            f"{source}, column `is_anomaly`: expected true/false, got dtype "
            f"{frame['is_anomaly'].dtype}"
        )
    if "status" in frame.columns:
        allowed = _allowed("scores", "status")
        bad = ~frame["status"].isin(allowed).to_numpy()
        if bad.any():
            row = _first_row(bad)
            raise DataError(
                f"{source}, column `status`, row {row}: expected one of "
                f"{', '.join(allowed)}, got {_show(frame['status'].iloc[row - 1])}"
            )
    _check_order(frame, ["series_id", "detector"], source)
    out = frame.reset_index(drop=True).copy()
    out["series_id"] = out["series_id"].astype(str)
    out["timestamp"] = out["timestamp"].astype("datetime64[ns, UTC]")
    out["score"] = out["score"].astype(np.float64)
    out["threshold"] = out["threshold"].astype(np.float64)
    return out
