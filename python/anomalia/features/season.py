"""Seasonal period detection: periodogram candidates confirmed by autocorrelation.

1. The periodogram of the first differences proposes candidate periods: the
   peaks that stand out most against a running median of their spectral
   neighbourhood. Differencing whitens a random walk and flattens the slope
   of a trend, so neither buries a weaker seasonal peak nor fakes one.
2. Each candidate is located more finely (zero-padded spectrum, summed over
   its first harmonics) and then fixed to a whole number of rows by a
   harmonic regression; its multiples join the candidates, since a season
   with two peaks a day can carry more power in a harmonic than at its own
   period.
3. Each candidate is scored by the autocorrelation, at a lag of one period,
   of the series minus its moving average over one period. That moving
   average takes out the level, trend and slow wandering but leaves a
   component with that period intact: a random walk scores near zero, a
   seasonal series its share of seasonal variance. The best score must reach
   ``MIN_SEASONAL_CORRELATION``; a divisor of the best period that scores
   almost as well is preferred to it.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import median_filter

from anomalia.exceptions import ConfigError, DataError

#: Autocorrelation at the detected period below which no season is reported.
MIN_SEASONAL_CORRELATION = 0.3
#: Periodogram peaks examined as candidate periods.
_CANDIDATES = 5
#: Bins of the running median the periodogram is compared with.
_BACKGROUND_BINS = 101
#: Ratio of a periodogram bin to its running median that makes it a candidate. Without a
#: season the ratio is about an exponential variate over log 2 (above 20 with odds 1e-6).
_MIN_PROMINENCE = 20.0
#: Multiples of each candidate examined too: a non-sinusoidal season (two peaks a day)
#: can carry more power in a harmonic than at its own period.
_MULTIPLES = 4
#: Zero-padding factor of the spectrum that refines a candidate period.
_PADDING = 16
#: Harmonics whose power locates a candidate period.
_HARMONICS = 4
#: Share of a frequency bin either side of the spectral estimate searched for the
#: whole period, and the most rows searched either side.
_REFINE_BINS = 0.15
_MAX_SPREAD = 16
#: A divisor of the best period is preferred when its correlation is this close.
_DIVISOR_TOLERANCE = 0.8


def detect_season(
    values: np.ndarray, min_period: int = 4, max_period: int | None = None
) -> int | None:
    """Dominant seasonal period of a series, in rows, or None when there is none.

    Parameters
    ----------
    values : array-like of shape (n_samples,)
        Finite values ordered in time, evenly spaced.
    min_period : int, default 4
        Shortest period considered (``>= 2``).
    max_period : int or None, default None
        Longest period considered; by default a third of the series, so that
        at least three cycles back the estimate.

    Returns
    -------
    int or None
        The period whose seasonal autocorrelation is highest (a divisor of it
        when that correlates almost as well), or None when that correlation is
        below ``MIN_SEASONAL_CORRELATION`` or no period fits the range.

    Raises
    ------
    ConfigError
        If ``min_period`` or ``max_period`` is not an integer ``>= 2``.
    DataError
        If ``values`` is not a finite 1-D array.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> hourly = np.sin(2 * np.pi * np.arange(24 * 28) / 24) + 0.3 * rng.normal(size=24 * 28)
    >>> detect_season(hourly)
    24
    >>> detect_season(rng.normal(size=500)) is None
    True
    """
    period, correlation = season_strength(values, min_period=min_period, max_period=max_period)
    if period is None or correlation < MIN_SEASONAL_CORRELATION:
        return None
    return period


def season_strength(
    values: np.ndarray, min_period: int = 4, max_period: int | None = None
) -> tuple[int | None, float]:
    """The best candidate period and its seasonal autocorrelation (see :func:`detect_season`).

    Returns
    -------
    period : int or None
        None when no period in range can be examined.
    correlation : float
        Autocorrelation at lag ``period`` of the series minus its moving
        average over one period; 0.0 when ``period`` is None.
    """
    series = _check_values(values)
    _check_period("min_period", min_period)
    n_rows = len(series)
    if max_period is None:
        max_period = n_rows // 3
    else:
        _check_period("max_period", max_period)
    max_period = min(int(max_period), n_rows // 2)
    min_period = int(min_period)
    if max_period < min_period or np.ptp(series) == 0:
        return None, 0.0

    candidates = _candidate_periods(series, min_period, max_period)
    spectrum = _fine_spectrum(series) if candidates else np.empty(0)
    refined = {
        _whole_period(series, _refine(spectrum, n_rows, rough), min_period, max_period)
        for rough in candidates
    }
    periods = {
        multiple * period
        for period in refined
        for multiple in range(1, _MULTIPLES + 1)
        if multiple * period <= max_period
    }
    scored = {period: _seasonal_correlation(series, period) for period in periods}
    if not scored:
        return None, 0.0
    best = max(scored, key=lambda period: (scored[period], -period))
    for period in sorted(scored):
        ratio = best / period
        close_to_multiple = period < best and abs(ratio - round(ratio)) <= 0.02 * ratio
        if close_to_multiple and scored[period] >= _DIVISOR_TOLERANCE * scored[best]:
            best = period
            break
    return best, float(scored[best])


def _check_values(values: np.ndarray) -> np.ndarray:
    try:
        series = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError("values: expected numbers") from None
    if series.ndim == 2 and series.shape[1] == 1:
        series = series[:, 0]
    if series.ndim != 1:
        raise DataError(f"values: expected a 1-D array, got shape {series.shape}")
    if not np.isfinite(series).all():
        row = int(np.flatnonzero(~np.isfinite(series))[0]) + 1  # counted from 1
        raise DataError(f"values: row {row} is not finite")
    return series


def _check_period(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 2:
        raise ConfigError(f"`{name}` must be an integer >= 2, got {value!r}")


def _candidate_periods(series: np.ndarray, min_period: int, max_period: int) -> list[float]:
    """Periods (fractional) of the periodogram peaks that stand out most from their neighbours.

    The periodogram is taken of the first differences: that whitens a random
    walk (and flattens the low-frequency slope of a trend or slow drift), so
    the ratio of a bin to the running median of its neighbours is about an
    exponential variate wherever there is no seasonal peak.
    """
    differences = np.diff(series)
    n_rows = len(differences)
    power = np.abs(np.fft.rfft(differences)) ** 2
    # The zero-frequency bin (the net change) is no neighbour of the others: the
    # running median leaves it out and mirrors the spectrum at its low end.
    background = np.empty_like(power)
    background[0] = power[0]
    background[1:] = median_filter(power[1:], size=_BACKGROUND_BINS, mode="mirror")
    prominence = np.divide(power, background, out=np.zeros_like(power), where=background > 0)
    low = max(1, int(np.ceil(n_rows / max_period)))
    high = min(len(power) - 1, int(np.floor(n_rows / min_period)))
    if high < low:
        return []
    bins = np.arange(low, high + 1)
    left = power[bins - 1]
    right = power[np.minimum(bins + 1, len(power) - 1)]
    is_peak = (power[bins] >= left) & (power[bins] >= right) & (prominence[bins] >= _MIN_PROMINENCE)
    peaks = bins[is_peak]
    best = peaks[np.argsort(prominence[peaks])[::-1][:_CANDIDATES]]
    return [n_rows / k for k in best]


def _refine(spectrum: np.ndarray, n_rows: int, rough: float) -> float:
    """The (fractional) period of the spectral peak close to ``rough``.

    The periodogram's bins are ``1 / n`` apart in frequency, too coarse for a
    long period (at 7 cycles, neighbouring bins are 41 rows of period apart).
    ``spectrum`` is the power of the zero-padded series (:func:`_fine_spectrum`);
    within one bin either side of ``1 / rough`` the frequency is chosen whose
    first ``_HARMONICS`` harmonics carry the most power together, which pins
    the period of a non-sinusoidal season on its sharper harmonics.
    """
    size = 2 * (len(spectrum) - 1)
    centre = size / rough
    width = size / n_rows
    grid = np.arange(max(1, int(centre - width)), int(np.ceil(centre + width)) + 1)
    total = np.zeros(len(grid))
    for harmonic in range(1, _HARMONICS + 1):
        index = harmonic * grid
        if index[-1] >= len(spectrum):
            break
        total += spectrum[index]
    best = int(np.argmax(total))
    peak = float(grid[best])
    if 0 < best < len(grid) - 1:
        # The grid is still coarse for long periods; a parabola through the
        # peak and its neighbours places the maximum between grid points.
        left, middle, right = total[best - 1 : best + 2]
        curvature = left - 2 * middle + right
        if curvature < 0:
            peak += 0.5 * (left - right) / curvature
    return size / peak


def _fine_spectrum(series: np.ndarray) -> np.ndarray:
    """Power spectrum of the linearly detrended series, zero-padded ``_PADDING`` times."""
    time = np.arange(len(series))
    detrended = series - np.polyval(np.polyfit(time, series, 1), time)
    size = 1 << int(np.ceil(np.log2(_PADDING * len(series))))
    transform = np.fft.rfft(detrended, size)
    return transform.real**2 + transform.imag**2


def _whole_period(series: np.ndarray, estimate: float, min_period: int, max_period: int) -> int:
    """The whole period near ``estimate`` that a harmonic regression fits best.

    With few cycles the spectral peak is broad and, pulled by its mirror
    image at the negative frequency, off by a few hundredths of a bin: a row
    or more of a long period. A least-squares fit of a level, a slope and
    ``_HARMONICS`` harmonics at each whole period within ``_REFINE_BINS`` of a
    bin of the estimate has neither problem; the period leaving the smallest
    residual wins. When a bin spans less than two rows, rounding is as good.
    """
    n_rows = len(series)
    bin_rows = estimate**2 / n_rows  # one frequency bin, in rows of period
    spread = min(_MAX_SPREAD, int(np.ceil(_REFINE_BINS * bin_rows)))
    low = max(min_period, int(round(estimate)) - spread)
    high = min(max_period, int(round(estimate)) + spread)
    if bin_rows < 2 or high <= low:
        return int(np.clip(round(estimate), min_period, max_period))
    time = np.arange(n_rows, dtype=np.float64)
    base = [np.ones(n_rows), time / n_rows]
    residuals = []
    for period in range(low, high + 1):
        harmonics = range(1, min(_HARMONICS, (period - 1) // 2) + 1)
        angle = 2 * np.pi * time / period
        design = np.column_stack(base + [f(h * angle) for h in harmonics for f in (np.cos, np.sin)])
        _, residual, _, _ = np.linalg.lstsq(design, series, rcond=None)
        residuals.append(residual[0] if len(residual) else np.inf)
    return low + int(np.argmin(residuals))


def _seasonal_correlation(series: np.ndarray, period: int) -> float:
    residual = _minus_moving_average(series, period)
    if len(residual) <= period + 2:
        return 0.0
    head, tail = residual[:-period], residual[period:]
    spread = head.std() * tail.std()
    if spread == 0:
        return 0.0
    return float(np.mean((head - head.mean()) * (tail - tail.mean())) / spread)


def _minus_moving_average(series: np.ndarray, window: int) -> np.ndarray:
    """The series minus its centred ``window``-point moving average, where that is defined."""
    cumulative = np.concatenate([[0.0], np.cumsum(series)])
    average = (cumulative[window:] - cumulative[:-window]) / window
    offset = window // 2
    return series[offset : offset + len(average)] - average
