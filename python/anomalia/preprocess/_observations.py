"""The parts of an observations frame that preprocessing relies on.

Full validation against the data contract happens once, where data enters
(:mod:`anomalia.contract`); these checks only guard the columns preprocessing
reads, so that a hand-built frame fails with a clear message.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from anomalia.contract.schema import IMPUTED_SUFFIX, value_columns
from anomalia.exceptions import DataError


def imputed_flag(column: str) -> str:
    """Name of the flag column telling which values of ``column`` were filled."""
    return f"{column}{IMPUTED_SUFFIX}"


def check_observations(frame: pd.DataFrame, *, where: str) -> None:
    """Raise :class:`DataError` unless ``frame`` has usable key columns."""
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{where}: expected an observations DataFrame, got {type(frame).__name__}")
    for column in ("series_id", "timestamp"):
        if column not in frame.columns:
            found = ", ".join(map(str, frame.columns)) or "none"
            raise DataError(
                f"{where}: missing column `{column}`; an observations frame needs "
                f"`series_id`, `timestamp` and value columns (found: {found})"
            )
    timestamps = frame["timestamp"]
    if not pd.api.types.is_datetime64_any_dtype(timestamps):
        raise DataError(
            f"{where}: column `timestamp` must hold datetimes, got dtype {timestamps.dtype}; "
            "convert it with pd.to_datetime(..., utc=True)"
        )
    if timestamps.isna().any():
        row = int(timestamps.isna().to_numpy().argmax())
        raise DataError(f"{where}: column `timestamp`, row {row + 1}: missing timestamp")


def resolve_value_columns(
    frame: pd.DataFrame, columns: Sequence[str] | None, *, where: str
) -> list[str]:
    """Return the value columns to work on: ``columns`` checked, or all of them."""
    if columns is None:
        resolved = value_columns(list(frame.columns))
    elif isinstance(columns, str):
        resolved = [columns]
    else:
        resolved = list(columns)
    if not resolved:
        raise DataError(f"{where}: the frame has no value columns; add at least one, e.g. `value`")
    for column in resolved:
        if column not in frame.columns:
            raise DataError(
                f"{where}: value column `{column}` is not in the frame; "
                f"columns: {', '.join(map(str, frame.columns))}"
            )
        if not pd.api.types.is_numeric_dtype(frame[column]) or pd.api.types.is_bool_dtype(
            frame[column]
        ):
            raise DataError(
                f"{where}: value column `{column}` must be numeric, got dtype {frame[column].dtype}"
            )
    return resolved
