"""Fill missing values series by series and flag what was filled.

Simple, fast fills for the Python side. Advanced imputation (seasonal
decomposition, Kalman smoothing) comes from the R side through the
``anomalia.r`` bridge; it writes the same ``<column>_imputed`` flags.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from anomalia.exceptions import ConfigError, DataError
from anomalia.preprocess._observations import (
    check_observations,
    imputed_flag,
    resolve_value_columns,
)

FillMethod = Literal["linear", "ffill", "nearest", "zero"]
FILL_METHODS: tuple[str, ...] = ("linear", "ffill", "nearest", "zero")


def fill_missing(
    frame: pd.DataFrame,
    method: FillMethod = "linear",
    value_columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Fill NaN values within each series and flag the filled cells.

    Filling never crosses series boundaries and follows time order
    (``timestamp``), whatever the row order of ``frame``. NaNs before the
    first or after the last valid value of a series are copied from that
    nearest valid value, except with ``method="zero"``, which writes 0
    everywhere a value is missing.

    Advanced imputation (seasonal decomposition, Kalman smoothing) is not
    done here: it comes from the R side (``anomalia.r``), which sets the same
    flags.

    Parameters
    ----------
    frame : DataFrame
        Observations in long format (``series_id``, ``timestamp``, value
        columns), typically the output of
        :func:`anomalia.preprocess.regularise`.
    method : {"linear", "ffill", "nearest", "zero"}, default "linear"
        ``"linear"``: interpolate linearly in time between the neighbouring
        valid values; ``"ffill"``: carry the last valid value forward;
        ``"nearest"``: copy the valid value nearest in time (the earlier one
        on a tie); ``"zero"``: write 0 (for counts, where missing means none).
    value_columns : sequence of str, optional
        Columns to fill; by default every value column of the contract.

    Returns
    -------
    DataFrame
        A copy of ``frame`` (same rows, order and index) with the value
        columns filled as float64 and, for each of them, a bool column
        ``<column>_imputed`` that is True exactly where a value was filled
        here or was flagged already.

    Raises
    ------
    ConfigError
        If ``method`` is unknown.
    DataError
        If a value column is missing for a whole series, naming both.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> frame = pd.DataFrame({
    ...     "series_id": "a",
    ...     "timestamp": pd.date_range("2024-01-01", periods=4, freq="h", tz="UTC"),
    ...     "value": [1.0, np.nan, np.nan, 4.0],
    ... })
    >>> filled = fill_missing(frame)
    >>> filled["value"].tolist(), filled["value_imputed"].tolist()
    ([1.0, 2.0, 3.0, 4.0], [False, True, True, False])
    """
    if method not in FILL_METHODS:
        raise ConfigError(f"`method` must be one of {', '.join(FILL_METHODS)}; got {method!r}")
    check_observations(frame, where="fill_missing")
    columns = resolve_value_columns(frame, value_columns, where="fill_missing")
    result = frame.copy()
    if len(frame) == 0:
        for column in columns:
            flag = imputed_flag(column)
            result[flag] = result[flag].astype(bool) if flag in result else np.zeros(0, bool)
        return result

    codes, series_names = pd.factorize(frame["series_id"])
    timestamp_ns = pd.DatetimeIndex(frame["timestamp"]).as_unit("ns").asi8
    order = np.lexsort((timestamp_ns, codes))
    sorted_codes = codes[order]
    sorted_times = timestamp_ns[order].astype(np.float64)
    first_rows = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    last_rows = np.r_[first_rows[1:], len(order)] - 1
    row_series = np.cumsum(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]) - 1
    row_first = first_rows[row_series]
    row_last = last_rows[row_series]

    for column in columns:
        values = frame[column].to_numpy(dtype=np.float64)[order]
        valid = ~np.isnan(values)
        empty = np.bincount(row_series, weights=valid, minlength=len(first_rows)) == 0
        if empty.any():
            name = series_names[sorted_codes[first_rows[int(empty.argmax())]]]
            raise DataError(
                f"series `{name}`, column `{column}`: every value is missing, so there is "
                "nothing to fill from; drop the series or supply its values"
            )
        filled = values.copy()
        missing = ~valid
        if missing.any():
            before, after = _valid_neighbours(valid, row_first, row_last)
            filled[missing] = _fill(method, values, sorted_times, before, after)[missing]
        flags = np.empty(len(order), dtype=bool)
        flags[order] = missing
        unsorted = np.empty(len(order), dtype=np.float64)
        unsorted[order] = filled
        result[column] = unsorted
        flag = imputed_flag(column)
        if flag in frame.columns:
            flags |= frame[flag].to_numpy(dtype=bool, na_value=False)
        result[flag] = flags
    return result


def _valid_neighbours(
    valid: np.ndarray, row_first: np.ndarray, row_last: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the previous and next valid value within each row's series.

    Where one side has none (leading or trailing NaNs), it falls back to the
    other side, so both always point at a valid value of the same series.
    """
    positions = np.arange(valid.size)
    previous = np.maximum.accumulate(np.where(valid, positions, -1))
    following = np.minimum.accumulate(np.where(valid, positions, valid.size)[::-1])[::-1]
    has_previous = previous >= row_first
    has_following = following <= row_last
    before = np.where(has_previous, previous, following)
    after = np.where(has_following, following, previous)
    return before, after


def _fill(
    method: str, values: np.ndarray, times: np.ndarray, before: np.ndarray, after: np.ndarray
) -> np.ndarray:
    """Candidate fill for every row (only the missing ones are used)."""
    if method == "zero":
        return np.zeros_like(values)
    if method == "ffill":
        return values[before]
    if method == "nearest":
        earlier_is_closer = times - times[before] <= times[after] - times
        return np.where(earlier_is_closer, values[before], values[after])
    span = times[after] - times[before]
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = np.where(span > 0, (times - times[before]) / span, 0.0)
    return values[before] + weight * (values[after] - values[before])
