"""Sliding windows over a series, and window scores mapped back to timestamps.

Window ``i`` covers the points ``i * step`` to ``i * step + window - 1``,
which is how :func:`sliding_windows` cuts them and how
:func:`windows_to_points` reads them back.
"""

from __future__ import annotations

import numbers
from typing import Literal

import numpy as np

from anomalia.exceptions import ConfigError, DataError

Aggregation = Literal["mean", "max", "min"]
AGGREGATIONS: tuple[str, ...] = ("mean", "max", "min")


def sliding_windows(values: np.ndarray, window: int, step: int = 1) -> np.ndarray:
    """Return the sliding windows of ``values`` as a read-only view, without copying.

    Parameters
    ----------
    values : ndarray of shape (n,) or (n, n_features)
        Series ordered in time. A numpy array is viewed, never copied; other
        array-likes are converted first.
    window : int
        Points per window, at least 2 and at most ``n``.
    step : int, default 1
        Points between the starts of consecutive windows.

    Returns
    -------
    ndarray of shape (n_windows, window, n_features)
        ``n_windows = (n - window) // step + 1``. A read-only view sharing
        memory with ``values``: copy it before writing to it.

    Raises
    ------
    ConfigError
        If ``window`` or ``step`` is not a valid integer.
    DataError
        If ``values`` has the wrong shape or fewer than ``window`` points.

    Examples
    --------
    >>> import numpy as np
    >>> sliding_windows(np.arange(5.0), window=3, step=2)[:, :, 0]
    array([[0., 1., 2.],
           [2., 3., 4.]])
    """
    _check_integer("window", window, minimum=2)
    _check_integer("step", step, minimum=1)
    array = np.asarray(values)
    if array.ndim == 1:
        array = array[:, np.newaxis]
    if array.ndim != 2:
        raise DataError(
            f"`values` must have shape (n,) or (n, n_features), got shape {array.shape}"
        )
    if array.shape[0] < window:
        raise DataError(
            f"`window` ({window}) is longer than the series ({array.shape[0]} points); "
            "use a smaller window or a longer series"
        )
    # sliding_window_view puts the window axis last; move it before the features.
    view = np.lib.stride_tricks.sliding_window_view(array, window, axis=0)
    return view.transpose(0, 2, 1)[::step]


def windows_to_points(
    window_scores: np.ndarray,
    n: int,
    window: int,
    step: int = 1,
    how: Aggregation = "mean",
) -> np.ndarray:
    """Give each timestamp the mean, max or min score of the windows covering it.

    Parameters
    ----------
    window_scores : ndarray of shape (n_windows,)
        One score per window, windows cut as by :func:`sliding_windows` with
        the same ``window`` and ``step``, so ``n_windows`` must equal
        ``(n - window) // step + 1``.
    n : int
        Length of the series the windows were cut from.
    window : int
        Points per window, at least 2.
    step : int, default 1
        Points between window starts, at most ``window`` so that every point
        is covered.
    how : {"mean", "max", "min"}, default "mean"
        How to combine the scores of the windows covering a point.

    Returns
    -------
    ndarray of shape (n,)
        One score per timestamp. The up to ``step - 1`` points after the last
        window (when ``(n - window) % step != 0``) take the last window's
        score, so every timestamp has one.

    Raises
    ------
    ConfigError
        If a parameter is invalid.
    DataError
        If ``window_scores`` has the wrong length or non-finite values.

    Notes
    -----
    Point ``p`` is covered by windows ``lo..hi`` with
    ``lo = ceil((p - window + 1) / step)`` and ``hi = p // step`` (clipped
    to existing windows). The mean uses prefix sums; max and min use a sparse
    table of range maxima, so the cost is O(n log(window / step)) with no
    per-point loop.

    Examples
    --------
    >>> import numpy as np
    >>> windows_to_points(np.array([1.0, 3.0]), n=4, window=3, step=1)
    array([1., 2., 2., 3.])
    """
    _check_integer("n", n, minimum=2)
    _check_integer("window", window, minimum=2)
    _check_integer("step", step, minimum=1)
    if how not in AGGREGATIONS:
        raise ConfigError(f"`how` must be one of {', '.join(AGGREGATIONS)}; got {how!r}")
    if step > window:
        raise ConfigError(
            f"`step` ({step}) must not exceed `window` ({window}), "
            "or some timestamps would be in no window"
        )
    if window > n:
        raise ConfigError(f"`window` ({window}) must not exceed `n` ({n})")
    scores = np.asarray(window_scores, dtype=np.float64)
    n_windows = (n - window) // step + 1
    if scores.shape != (n_windows,):
        raise DataError(
            f"`window_scores` has shape {scores.shape}, but a series of n={n} cut with "
            f"window={window}, step={step} gives {n_windows} windows"
        )
    if not np.isfinite(scores).all():
        position = int(np.argmin(np.isfinite(scores)))
        raise DataError(
            f"`window_scores` must be finite; position {position} is {scores[position]}"
        )

    points = np.arange(n)
    last = np.minimum(points // step, n_windows - 1)
    first = np.minimum(-((window - 1 - points) // step), last).clip(min=0)
    if how == "mean":
        cumulative = np.r_[0.0, np.cumsum(scores)]
        return (cumulative[last + 1] - cumulative[first]) / (last - first + 1)
    if how == "min":
        return -_range_max(-scores, first, last)
    return _range_max(scores, first, last)


def _range_max(values: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Maximum of ``values[first[i] : last[i] + 1]`` for every i (sparse table)."""
    length = last - first + 1
    level = np.frexp(length)[1] - 1  # floor(log2(length)), exact for integers
    result = np.empty(first.size, dtype=np.float64)
    table = values  # table at level k: table[i] = max(values[i : i + 2**k])
    for k in range(int(level.max()) + 1):
        if k > 0:
            half = 1 << (k - 1)
            table = np.maximum(table[:-half], table[half:])
        at_level = level == k
        if at_level.any():
            starts = first[at_level]
            ends = last[at_level] - (1 << k) + 1
            result[at_level] = np.maximum(table[starts], table[ends])
    return result


def _check_integer(name: str, value: object, *, minimum: int) -> None:
    """Raise ConfigError unless ``value`` is an integer (not a bool) >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ConfigError(f"`{name}` must be an integer >= {minimum}, got {value!r}")
