"""Put series onto a regular time grid and report the gaps.

Most detectors assume one observation per fixed step. :func:`regularise`
snaps every series onto its own grid, adds the missing grid points (values
NaN, label 0) and lists the runs of missing points, so that
:func:`anomalia.preprocess.fill_missing` can fill them and reports can show
them.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from anomalia.exceptions import ConfigError, DataError
from anomalia.preprocess._observations import check_observations, resolve_value_columns

Frequency = str | pd.Timedelta | dt.timedelta | np.timedelta64 | pd.DateOffset

GAP_COLUMNS = ["series_id", "start", "end", "n_missing"]


def infer_frequency(timestamps: pd.Series | pd.DatetimeIndex | np.ndarray) -> pd.Timedelta:
    """Return the typical sampling step of one series: the median step.

    Parameters
    ----------
    timestamps : Series, DatetimeIndex or array of datetime64
        Timestamps of one series, in any order; duplicates and missing values
        are ignored.

    Returns
    -------
    pd.Timedelta
        Median difference between consecutive distinct timestamps.

    Raises
    ------
    DataError
        If there are fewer than two distinct timestamps.

    Examples
    --------
    >>> import pandas as pd
    >>> infer_frequency(pd.to_datetime(["2024-01-01 00:00", "2024-01-01 00:05",
    ...                                 "2024-01-01 00:10", "2024-01-01 00:20"]))
    Timedelta('0 days 00:05:00')
    """
    try:
        index = pd.DatetimeIndex(timestamps)
    except (TypeError, ValueError) as error:
        raise DataError(f"`timestamps` must be datetimes: {error}") from None
    nanoseconds = np.unique(index.dropna().as_unit("ns").asi8)
    if nanoseconds.size < 2:
        raise DataError(
            f"cannot infer a frequency from {nanoseconds.size} distinct timestamp(s); "
            "need at least 2, or pass `freq` explicitly"
        )
    return pd.Timedelta(int(round(float(np.median(np.diff(nanoseconds))))), unit="ns")


def regularise(
    frame: pd.DataFrame, freq: Frequency | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Put each series onto a regular grid and list its runs of missing points.

    Each series gets its own grid starting at its first timestamp, with step
    ``freq`` (or, if ``freq`` is None, the series' median step, see
    :func:`infer_frequency`), up to its last timestamp. An observation off
    the grid is moved to the nearest grid point (a point exactly halfway
    snaps to the later one); when several observations land on one grid
    point the earliest is kept. Grid points without an observation get NaN
    values, label 0 and imputed flags False; other columns get missing values.

    Parameters
    ----------
    frame : DataFrame
        Observations in long format: ``series_id``, ``timestamp``, value
        columns, optionally ``label`` and ``<column>_imputed`` flags.
    freq : str, Timedelta or fixed DateOffset, optional
        Grid step for every series, e.g. ``"5min"``. Inferred per series if
        None.

    Returns
    -------
    regular : DataFrame
        The observations on the grid, sorted by ``series_id`` and
        ``timestamp``, with the columns and dtypes of ``frame``.
    gaps : DataFrame
        One row per run of consecutive grid points of one series where any
        value column is missing (added points and NaNs already in ``frame``
        alike), with columns ``series_id``, ``start``, ``end`` (timestamps of
        the first and last missing point) and ``n_missing``.

    Raises
    ------
    DataError
        If the frame lacks ``series_id``, ``timestamp`` or value columns, or
        ``freq`` is None and a series has fewer than two distinct timestamps.
    ConfigError
        If ``freq`` is not a positive fixed duration.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({
    ...     "series_id": "a",
    ...     "timestamp": pd.to_datetime(["2024-01-01 00:00", "2024-01-01 00:01",
    ...                                  "2024-01-01 00:04"], utc=True),
    ...     "value": [1.0, 2.0, 5.0],
    ... })
    >>> regular, gaps = regularise(frame, freq="1min")
    >>> len(regular), gaps["n_missing"].tolist()
    (5, [2])
    """
    check_observations(frame, where="regularise")
    value_columns = resolve_value_columns(frame, None, where="regularise")
    step = None if freq is None else _as_step(freq)
    if len(frame) == 0:
        return frame.copy(), _empty_gaps(frame)

    data = frame.sort_values(["series_id", "timestamp"], kind="stable").reset_index(drop=True)
    codes, series_names = pd.factorize(data["series_id"], sort=True)
    timestamp_ns = pd.DatetimeIndex(data["timestamp"]).as_unit("ns").asi8
    first_rows = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    last_rows = np.r_[first_rows[1:], len(data)] - 1
    start_ns = timestamp_ns[first_rows]
    if step is None:
        step_ns = _median_steps(codes, timestamp_ns, series_names)
    else:
        step_ns = np.full(len(series_names), step.value, dtype=np.int64)

    # Nearest grid index, in integers so that nanosecond timestamps stay exact.
    row_step = step_ns[codes]
    grid_index = (2 * (timestamp_ns - start_ns[codes]) + row_step) // (2 * row_step)
    keep = np.r_[True, (codes[1:] != codes[:-1]) | (grid_index[1:] != grid_index[:-1])]

    grid_sizes = grid_index[last_rows] + 1
    grid_offsets = np.r_[0, np.cumsum(grid_sizes)[:-1]]
    n_grid = int(grid_sizes.sum())
    grid_codes = np.repeat(np.arange(len(series_names)), grid_sizes)
    grid_steps = np.arange(n_grid) - np.repeat(grid_offsets, grid_sizes)
    grid_ns = np.repeat(start_ns, grid_sizes) + grid_steps * np.repeat(step_ns, grid_sizes)
    positions = (grid_offsets[codes] + grid_index)[keep]

    grid_timestamps = _to_timestamps(grid_ns, data["timestamp"].dt.tz)
    kept = data.loc[keep]
    columns = {}
    for column in frame.columns:
        if column == "series_id":
            columns[column] = series_names.take(grid_codes)
        elif column == "timestamp":
            columns[column] = grid_timestamps
        else:
            columns[column] = _spread(kept[column], positions, n_grid, column)
    regular = pd.DataFrame(columns, columns=frame.columns)

    missing = regular[value_columns].isna().to_numpy().any(axis=1)
    gaps = _missing_runs(missing, grid_codes, series_names, grid_timestamps)
    return regular, gaps


def _as_step(freq: Frequency) -> pd.Timedelta:
    """Parse ``freq`` into a positive Timedelta, or raise ConfigError."""
    step = None
    if isinstance(freq, str | pd.Timedelta | dt.timedelta | np.timedelta64 | pd.DateOffset):
        for parse in (pd.Timedelta, lambda f: pd.Timedelta(pd.tseries.frequencies.to_offset(f))):
            try:
                step = parse(freq)
                break
            except (TypeError, ValueError):
                continue
    if step is None or pd.isna(step) or step <= pd.Timedelta(0):
        raise ConfigError(
            f"`freq` must be a positive fixed duration such as '5min' or "
            f"pd.Timedelta(minutes=5), got {freq!r}"
        )
    return step


def _median_steps(
    codes: np.ndarray, timestamp_ns: np.ndarray, series_names: pd.Index
) -> np.ndarray:
    """Median step (ns) per series; rows are sorted by series and time."""
    steps = np.diff(timestamp_ns)
    usable = (codes[1:] == codes[:-1]) & (steps > 0)
    medians = (
        pd.Series(steps[usable].astype(np.float64))
        .groupby(codes[1:][usable])
        .median()
        .reindex(range(len(series_names)))
        .to_numpy()
    )
    if np.isnan(medians).any():
        name = series_names[int(np.isnan(medians).argmax())]
        raise DataError(
            f"series `{name}` has fewer than 2 distinct timestamps, so its frequency "
            "cannot be inferred; pass `freq` explicitly or drop the series"
        )
    return np.round(medians).astype(np.int64)


def _to_timestamps(nanoseconds: np.ndarray, tz: object) -> pd.DatetimeIndex:
    naive = pd.DatetimeIndex(nanoseconds.view("datetime64[ns]"))
    return naive if tz is None else naive.tz_localize("UTC").tz_convert(tz)


def _spread(column: pd.Series, positions: np.ndarray, size: int, name: str) -> pd.Series:
    """Place ``column`` at ``positions`` of a new column of length ``size``."""
    if name == "label" and pd.api.types.is_numeric_dtype(column):
        filled = np.zeros(size, dtype=column.dtype)
    elif pd.api.types.is_bool_dtype(column):
        filled = np.zeros(size, dtype=bool)
    elif pd.api.types.is_float_dtype(column):
        filled = np.full(size, np.nan, dtype=column.dtype)
    else:
        return (
            pd.Series(column.to_numpy(), index=positions)
            .reindex(range(size))
            .reset_index(drop=True)
        )
    filled[positions] = column.to_numpy()
    return pd.Series(filled)


def _missing_runs(
    missing: np.ndarray,
    grid_codes: np.ndarray,
    series_names: pd.Index,
    timestamps: pd.DatetimeIndex,
) -> pd.DataFrame:
    """Runs of consecutive missing grid points that do not cross series."""
    same_as_previous = np.r_[False, grid_codes[1:] == grid_codes[:-1]]
    same_as_next = np.r_[grid_codes[:-1] == grid_codes[1:], False]
    previous_missing = np.r_[False, missing[:-1]] & same_as_previous
    next_missing = np.r_[missing[1:], False] & same_as_next
    starts = np.flatnonzero(missing & ~previous_missing)
    ends = np.flatnonzero(missing & ~next_missing)
    return pd.DataFrame(
        {
            "series_id": series_names.take(grid_codes[starts]),
            "start": timestamps[starts],
            "end": timestamps[ends],
            "n_missing": (ends - starts + 1).astype(np.int64),
        }
    )


def _empty_gaps(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "series_id": pd.Series([], dtype=frame["series_id"].dtype),
            "start": pd.Series([], dtype=frame["timestamp"].dtype),
            "end": pd.Series([], dtype=frame["timestamp"].dtype),
            "n_missing": pd.Series([], dtype=np.int64),
        }
    )
