"""``make_features``: the checked entry point that assembles every feature family."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from anomalia.exceptions import ConfigError, DataError
from anomalia.features.calendar import calendar_features
from anomalia.features.context import SHORT_WINDOW, context_features, context_lookback
from anomalia.features.lags import difference_features, lag_features
from anomalia.features.rolling import STATISTICS, rolling_features
from anomalia.features.spectral import band_edges, band_energies

DEFAULT_WINDOWS: tuple[int, ...] = (12, 48)
DEFAULT_LAGS: tuple[int, ...] = (1,)


def make_features(
    values: np.ndarray | pd.DataFrame | pd.Series,
    timestamps: object | None = None,
    *,
    windows: Sequence[int] = DEFAULT_WINDOWS,
    lags: Sequence[int] = DEFAULT_LAGS,
    differences: bool = True,
    statistics: Sequence[str] = STATISTICS,
    quantiles: Sequence[float] = (),
    fft_window: int | None = 32,
    fft_bands: int | Sequence[float] = 4,
    calendar: bool = False,
    level: bool = True,
    context_windows: Sequence[int] = (),
    season: int | None = None,
    context_scale: np.ndarray | Sequence[float] | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Build a causal feature matrix from a series.

    Row ``t`` of the result depends only on rows ``0..t`` of ``values`` (and
    on ``timestamps[t]``). Trailing windows that reach before the first row see
    the series extended backwards with its first row, so the matrix is finite
    from row 0 on, without looking ahead (see :mod:`anomalia.features.padding`).

    Parameters
    ----------
    values : array-like of shape (n_samples,) or (n_samples, n_features)
        Finite values ordered in time. Columns of a DataFrame name the
        features; otherwise columns are called ``x0``, ``x1``, ...
    timestamps : array-like of datetime-like, shape (n_samples,), optional
        Needed only when ``calendar=True``.
    windows : sequence of int, default (12, 48)
        Trailing windows (rows, each ``>= 2``) for the rolling ``statistics``
        and ``quantiles``. Empty for none.
    lags : sequence of int, default (1,)
        Lagged values to include (rows, each ``>= 1``). Empty for none.
    differences : bool, default True
        Include the first difference ``x[t] - x[t-1]``.
    statistics : sequence of {"mean", "std", "min", "max"}, default all four
        Rolling statistics computed for every window (``std`` with ``ddof=0``).
    quantiles : sequence of float, default ()
        Trailing quantiles (in [0, 1]) computed for every window. Unlike min
        and max, a quantile such as 0.1 or 0.9 ignores a single spike in the
        window, so the spike does not linger in the features of later rows.
    fft_window : int or None, default 32
        Trailing window (``>= 4``) for spectral band energies; None for none.
    fft_bands : int or sequence of float, default 4
        Number of equal-width frequency bands over (0, 0.5] cycles per sample,
        or explicit increasing band edges such as ``(0, 0.05, 0.2, 0.5)``.
    calendar : bool, default False
        Add hour-of-day and day-of-week sin/cos pairs and a weekend flag from
        ``timestamps``.
    level : bool, default True
        Include the values themselves. Turn off, along with ``differences``,
        ``lags`` and ``windows``, for scale-free features only.
    context_windows : sequence of int, default ()
        Reference windows (rows, each ``>= 2``) of the context-deviation
        features (:func:`anomalia.features.context.context_features`): per
        window a z-score against the previous points, a volatility ratio and a
        mean shift, plus the first difference over the longest window's std.
        Empty for none.
    season : int or None, default None
        Season length in rows (``>= 2``, needs ``context_windows``): adds the
        deviation from one season earlier, of the value and of the 12-point
        mean. :func:`anomalia.features.detect_season` can find it.
    context_scale : array-like of shape (n_features,), optional
        Positive reference scale of each column, below a thousandth of which
        no standard deviation is taken in the context features; detectors pass
        the std of their training values. By default the expanding std of the
        rows so far, which keeps the features causal.

    Returns
    -------
    features : ndarray of shape (n_samples, n_output_features)
        Float64, finite. Columns: the values, first differences, lags,
        rolling statistics per window, band energies, calendar features,
        context deviations.
    names : list of str
        One name per column, e.g. ``"x0"``, ``"x0_diff1"``, ``"x0_lag1"``,
        ``"x0_mean_w12"``, ``"x0_fft0.25-0.375_w32"``, ``"hour_sin"``,
        ``"x0_z_w48"``, ``"x0_seasonz_p288"``.

    Raises
    ------
    DataError
        If the values are not a finite 1-D/2-D numeric array, or the
        timestamps are unreadable or of the wrong length.
    ConfigError
        If a parameter is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> features, names = make_features(np.arange(100.0), windows=(10,), fft_window=None)
    >>> features.shape, names[:3]
    ((100, 7), ['x0', 'x0_diff1', 'x0_lag1'])
    """
    array, column_names = _validate_values(values)
    check_feature_params(
        windows=windows,
        lags=lags,
        statistics=statistics,
        quantiles=quantiles,
        fft_window=fft_window,
        fft_bands=fft_bands,
        context_windows=context_windows,
        season=season,
    )
    scale = _check_context_scale(context_scale, array.shape[1])
    if fft_window is not None:
        edges = band_edges(fft_bands, int(fft_window))
    if calendar:
        if timestamps is None:
            raise ConfigError("`calendar=True` needs `timestamps`")
        calendar_block, calendar_names = calendar_features(timestamps)
        if len(calendar_block) != len(array):
            raise DataError(f"got {len(calendar_block)} timestamps for {len(array)} rows of values")

    blocks = [array] if level else []
    names = list(column_names) if level else []
    parts: list[tuple[np.ndarray, list[str]]] = []
    if differences:
        parts.append(difference_features(array, column_names))
    parts.append(lag_features(array, [int(lag) for lag in lags], column_names))
    for window in windows:
        parts.append(
            rolling_features(
                array, int(window), column_names, statistics=statistics, quantiles=quantiles
            )
        )
    if fft_window is not None:
        parts.append(band_energies(array, int(fft_window), edges, column_names))
    if calendar:
        parts.append((calendar_block, calendar_names))
    if context_windows:
        parts.append(
            context_features(
                array,
                [int(window) for window in context_windows],
                column_names,
                season=None if season is None else int(season),
                scale=scale,
            )
        )
    for block, block_names in parts:
        blocks.append(block)
        names.extend(block_names)
    if not blocks:
        return np.empty((len(array), 0)), names
    return np.concatenate(blocks, axis=1), names


def check_feature_params(
    *,
    windows: Sequence[int] = DEFAULT_WINDOWS,
    lags: Sequence[int] = DEFAULT_LAGS,
    statistics: Sequence[str] = STATISTICS,
    quantiles: Sequence[float] = (),
    fft_window: int | None = 32,
    fft_bands: int | Sequence[float] = 4,
    context_windows: Sequence[int] = (),
    season: int | None = None,
) -> None:
    """Check :func:`make_features` parameters without computing anything.

    Raises
    ------
    ConfigError
        Naming the first parameter out of range.
    """
    _check_integers("windows", windows, minimum=2)
    _check_integers("lags", lags, minimum=1)
    if isinstance(statistics, str) or any(name not in STATISTICS for name in statistics):
        raise ConfigError(
            f"`statistics` must be a sequence drawn from {', '.join(STATISTICS)}, "
            f"got {statistics!r}"
        )
    _check_quantiles(quantiles)
    if fft_window is not None:
        _check_integer("fft_window", fft_window, minimum=4)
        band_edges(fft_bands, int(fft_window))
    _check_integers("context_windows", context_windows, minimum=2)
    if season is not None:
        _check_integer("season", season, minimum=2)
        if not len(context_windows):
            raise ConfigError(
                "`season` needs `context_windows`: the seasonal deviations are "
                "scaled by the longest context window's std"
            )


def longest_lookback(
    windows: Sequence[int],
    lags: Sequence[int],
    fft_window: int | None,
    *,
    context_windows: Sequence[int] = (),
    season: int | None = None,
) -> int:
    """Rows the features span, the current one included (1 when they use only the present).

    Parameters are trusted; check them first with :func:`check_feature_params`.
    """
    spans = [1, *windows, *(lag + 1 for lag in lags)]
    if fft_window is not None:
        spans.append(fft_window)
    if context_windows:
        spans.append(context_lookback(context_windows, season, SHORT_WINDOW))
    return int(max(spans))


def _validate_values(
    values: np.ndarray | pd.DataFrame | pd.Series,
) -> tuple[np.ndarray, list[str]]:
    if isinstance(values, pd.Series):
        values = values.to_frame()
    column_names: list[str] | None = None
    if isinstance(values, pd.DataFrame):
        column_names = [str(column) for column in values.columns]
        values = values.to_numpy()
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError("values: expected numbers") from None
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        raise DataError(f"values: expected a 1-D or 2-D array, got {array.ndim} dimensions")
    bad = ~np.isfinite(array)
    if bad.any():
        row, column = np.argwhere(bad)[0]
        raise DataError(f"values: row {row + 1}, column {column + 1} is not finite")
    if column_names is None:
        column_names = [f"x{column}" for column in range(array.shape[1])]
    return array, column_names


def _check_context_scale(scale: object, n_columns: int) -> np.ndarray | None:
    if scale is None:
        return None
    try:
        array = np.asarray(scale, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        array = np.empty(0)
    if array.shape != (n_columns,) or not (np.isfinite(array) & (array > 0)).all():
        raise ConfigError(
            f"`context_scale` must be {n_columns} positive number(s), one per column, got {scale!r}"
        )
    return array


def _is_integer(value: object, minimum: int) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= minimum


def _check_integer(name: str, value: object, *, minimum: int) -> None:
    if not _is_integer(value, minimum):
        raise ConfigError(f"`{name}` must be an integer >= {minimum}, got {value!r}")


def _check_integers(name: str, values: object, *, minimum: int) -> None:
    if (
        isinstance(values, (str, bytes))
        or not isinstance(values, Sequence | np.ndarray)
        or not all(_is_integer(value, minimum) for value in values)
    ):
        raise ConfigError(
            f"`{name}` must be a sequence of integers, each >= {minimum}, got {values!r}"
        )


def _check_quantiles(quantiles: Sequence[float]) -> None:
    try:
        items = [float(q) for q in quantiles]
    except (TypeError, ValueError):
        raise ConfigError(f"`quantiles` must be numbers in [0, 1], got {quantiles!r}") from None
    if any(not 0.0 <= q <= 1.0 for q in items):
        raise ConfigError(f"`quantiles` must be numbers in [0, 1], got {quantiles!r}")
