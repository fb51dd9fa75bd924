"""Inject one known anomaly into a series of values.

Each function returns a new ``float64`` array and leaves its input untouched,
so a test can build a clean series once and derive one anomalous copy per
case. Windows are given as ``start`` (first index) and ``length`` (number of
points); after the window the series is exactly as it was.

Examples
--------
>>> import numpy as np
>>> from anomalia.synthetic import inject_spike
>>> clean = np.zeros(100)
>>> spiked = inject_spike(clean, 40, magnitude=8.0)
>>> int(np.argmax(np.abs(spiked - np.median(spiked))))
40
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from anomalia.exceptions import ConfigError


def _copy_values(values: ArrayLike) -> np.ndarray:
    array = np.array(values, dtype=np.float64, copy=True)
    if array.ndim != 1:
        raise ConfigError(f"`values` must be one-dimensional, got shape {array.shape}")
    return array


def _window(values: np.ndarray, start: int, length: int) -> slice:
    """Check that ``[start, start + length)`` lies inside ``values`` and return it."""
    if int(length) != length or length < 1:
        raise ConfigError(f"`length` must be an integer ≥ 1, got {length!r}")
    if int(start) != start or start < 0 or start + length > values.size:
        raise ConfigError(
            f"window start={start!r}, length={length!r} must lie inside the "
            f"{values.size} values; choose start between 0 and {values.size - int(length)}"
        )
    return slice(int(start), int(start) + int(length))


def inject_spike(values: ArrayLike, index: int, magnitude: float, *, length: int = 1) -> np.ndarray:
    """Add ``magnitude`` to ``length`` consecutive points starting at ``index``.

    Parameters
    ----------
    values : array-like of shape (n_points,)
        The clean series.
    index : int
        Position of the first spiked point.
    magnitude : float
        Offset added to each spiked point; negative for a dip.
    length : int, default 1
        Number of spiked points (1 to 3 in :func:`anomalia.synthetic.generate`).

    Returns
    -------
    numpy.ndarray of shape (n_points,)
        A spiked copy of ``values``.

    Raises
    ------
    ConfigError
        If the spike does not fit inside the series.
    """
    result = _copy_values(values)
    result[_window(result, index, length)] += magnitude
    return result


def inject_level_shift(values: ArrayLike, start: int, length: int, offset: float) -> np.ndarray:
    """Add a constant ``offset`` over a window, then return to the normal level.

    Parameters
    ----------
    values : array-like of shape (n_points,)
        The clean series.
    start, length : int
        First index and number of points of the shifted window.
    offset : float
        Offset added over the window.

    Returns
    -------
    numpy.ndarray of shape (n_points,)
    """
    result = _copy_values(values)
    result[_window(result, start, length)] += offset
    return result


def inject_trend_change(values: ArrayLike, start: int, length: int, peak: float) -> np.ndarray:
    """Ramp away from normal up to ``peak`` and back again over a window.

    The ramp climbs for the first 60 % of the window and falls back during the
    rest; every point in the window carries a non-zero offset, so the whole
    window is anomalous.

    Parameters
    ----------
    values : array-like of shape (n_points,)
        The clean series.
    start, length : int
        First index and number of points of the ramp.
    peak : float
        Largest offset, reached 60 % of the way through the window.

    Returns
    -------
    numpy.ndarray of shape (n_points,)
    """
    result = _copy_values(values)
    window = _window(result, start, length)
    apex = 0.6 * (length + 1)
    ramp = np.interp(np.arange(1, int(length) + 1), [0.0, apex, length + 1.0], [0.0, peak, 0.0])
    result[window] += ramp
    return result


def inject_variance_burst(
    values: ArrayLike,
    start: int,
    length: int,
    *,
    scale: float,
    factor: float = 4.0,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """Multiply the noise level over a window by about ``factor``.

    Independent Gaussian noise with standard deviation
    ``scale * sqrt(factor**2 - 1)`` is added, so a window whose own noise has
    standard deviation ``scale`` ends up with about ``factor * scale``.

    Parameters
    ----------
    values : array-like of shape (n_points,)
        The clean series.
    start, length : int
        First index and number of points of the burst.
    scale : float
        Standard deviation of the series' normal noise (> 0).
    factor : float, default 4.0
        How many times noisier the window becomes (> 1).
    rng : numpy.random.Generator, int or None
        Source of the added noise; an int seeds a new generator.

    Returns
    -------
    numpy.ndarray of shape (n_points,)

    Raises
    ------
    ConfigError
        If ``scale`` ≤ 0, ``factor`` ≤ 1 or the window does not fit.
    """
    if not scale > 0:
        raise ConfigError(f"`scale` must be > 0, got {scale!r}")
    if not factor > 1:
        raise ConfigError(f"`factor` must be > 1, got {factor!r}")
    result = _copy_values(values)
    window = _window(result, start, length)
    generator = np.random.default_rng(rng)
    result[window] += generator.normal(0.0, scale * np.sqrt(factor**2 - 1.0), size=int(length))
    return result


def inject_broken_seasonality(
    values: ArrayLike,
    start: int,
    length: int,
    seasonal: ArrayLike,
    *,
    shift: int | None = None,
) -> np.ndarray:
    """Phase-shift or remove the seasonal pattern over a window.

    Parameters
    ----------
    values : array-like of shape (n_points,)
        The clean series.
    start, length : int
        First index and number of points of the broken window.
    seasonal : array-like of shape (n_points,)
        The seasonal component contained in ``values``.
    shift : int or None, default None
        ``None`` removes the seasonal pattern (replaced by the mean of the
        whole ``seasonal`` component). An int replaces it by the pattern
        ``shift`` points earlier (or later, where the window starts less than
        ``shift`` points in): half a day's points gives a 12-hour phase shift.

    Returns
    -------
    numpy.ndarray of shape (n_points,)

    Raises
    ------
    ConfigError
        If ``seasonal`` has the wrong shape or the shifted window falls outside it.
    """
    result = _copy_values(values)
    pattern = _copy_values(seasonal)
    if pattern.shape != result.shape:
        raise ConfigError(
            f"`seasonal` must have the same shape as `values` {result.shape}, got {pattern.shape}"
        )
    window = _window(result, start, length)
    if shift is None:
        replacement = np.full(int(length), pattern.mean())
    else:
        source_start = start - shift if start >= shift else start + shift
        replacement = pattern[_window(pattern, source_start, length)]
    result[window] += replacement - pattern[window]
    return result


def inject_flatline(
    values: ArrayLike, start: int, length: int, *, value: float | None = None
) -> np.ndarray:
    """Hold the series at one value, with no noise, over a window.

    Parameters
    ----------
    values : array-like of shape (n_points,)
        The clean series.
    start, length : int
        First index and number of points of the stuck window.
    value : float or None
        The stuck value; by default the last value before the window (a sensor
        that stopped updating).

    Returns
    -------
    numpy.ndarray of shape (n_points,)
    """
    result = _copy_values(values)
    window = _window(result, start, length)
    if value is None:
        value = result[start - 1] if start > 0 else result[start]
    result[window] = value
    return result


def inject_missing(values: ArrayLike, start: int, length: int) -> np.ndarray:
    """Blank a window with NaN, as a data-quality gap (not an anomaly).

    Parameters
    ----------
    values : array-like of shape (n_points,)
        The series.
    start, length : int
        First index and number of missing points.

    Returns
    -------
    numpy.ndarray of shape (n_points,)
    """
    result = _copy_values(values)
    result[_window(result, start, length)] = np.nan
    return result
