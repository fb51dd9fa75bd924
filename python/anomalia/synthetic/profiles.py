"""Clean base signals that look like real monitoring series.

Three profiles, each randomised per series so no two series share a scale or
a shape:

``cpu``
    Server CPU utilisation in percent: a busy-hours bump on weekdays, a
    quieter weekend, moderately autocorrelated noise.
``temperature``
    A sensor temperature in °C: a smooth daily cycle, a slow drift and
    strongly autocorrelated noise.
``orders``
    A business metric (orders per interval): lunch and evening peaks, a
    weekly pattern and slow growth, hundreds of orders per interval.

Every signal is ``level + trend + seasonal + noise`` where the noise is a
stationary AR(1) process; the components are kept apart so that anomalies
such as a broken seasonality can act on one of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.signal import lfilter

PROFILES: tuple[str, ...] = ("cpu", "temperature", "orders")


@dataclass(frozen=True)
class BaseSignal:
    """A clean series and the parts anomalies are scaled by or act on.

    Attributes
    ----------
    values : numpy.ndarray of shape (n_points,)
        ``level + trend + seasonal + noise``.
    seasonal : numpy.ndarray of shape (n_points,)
        The seasonal (daily and weekly) component alone.
    noise_scale : float
        Marginal standard deviation of the noise; anomaly magnitudes are
        multiples of it.
    """

    values: np.ndarray
    seasonal: np.ndarray
    noise_scale: float


def ar1_noise(size: int, phi: float, scale: float, rng: np.random.Generator) -> np.ndarray:
    """Stationary AR(1) noise with marginal standard deviation ``scale``.

    Parameters
    ----------
    size : int
        Number of points.
    phi : float
        Autocorrelation at lag one, in (-1, 1).
    scale : float
        Marginal standard deviation.
    rng : numpy.random.Generator
        Source of the innovations.

    Returns
    -------
    numpy.ndarray of shape (size,)
    """
    innovation_scale = scale * np.sqrt(1.0 - phi**2)
    # Start from the stationary distribution so there is no burn-in transient.
    initial_state = [phi * rng.normal(0.0, scale)]
    innovations = rng.standard_normal(size)
    noise, _ = lfilter([innovation_scale], [1.0, -phi], innovations, zi=initial_state)
    return noise


def _clock(timestamps: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (days since start, fraction of the day, is-weekend) for each timestamp."""
    elapsed_days = np.asarray((timestamps - timestamps[0]) / pd.Timedelta(days=1), dtype=float)
    seconds = timestamps.hour * 3600 + timestamps.minute * 60 + timestamps.second
    day_fraction = np.asarray(seconds, dtype=float) / 86400.0
    weekend = np.asarray(timestamps.day_of_week >= 5)
    return elapsed_days, day_fraction, weekend


def _daily_peak(day_fraction: np.ndarray, peak_hour: float, width_hours: float) -> np.ndarray:
    """A Gaussian bump on the 24-hour circle centred on ``peak_hour``."""
    distance = (day_fraction - peak_hour / 24.0 + 0.5) % 1.0 - 0.5
    return np.exp(-0.5 * (distance * 24.0 / width_hours) ** 2)


def _cpu(timestamps: pd.DatetimeIndex, rng: np.random.Generator) -> BaseSignal:
    elapsed_days, day_fraction, weekend = _clock(timestamps)
    level = rng.uniform(20.0, 40.0)
    amplitude = rng.uniform(12.0, 25.0)
    busy = _daily_peak(day_fraction, rng.uniform(13.0, 16.0), rng.uniform(2.5, 4.0))
    busy = busy * np.where(weekend, rng.uniform(0.3, 0.6), 1.0)
    seasonal = amplitude * (busy - busy.mean())
    trend = rng.uniform(-0.2, 0.4) * elapsed_days
    scale = rng.uniform(1.5, 3.0)
    noise = ar1_noise(timestamps.size, rng.uniform(0.5, 0.8), scale, rng)
    return BaseSignal(level + trend + seasonal + noise, seasonal, scale)


def _temperature(timestamps: pd.DatetimeIndex, rng: np.random.Generator) -> BaseSignal:
    elapsed_days, day_fraction, _ = _clock(timestamps)
    level = rng.uniform(17.0, 24.0)
    amplitude = rng.uniform(1.5, 3.5)
    peak = rng.uniform(14.0, 16.5) / 24.0
    seasonal = amplitude * np.cos(2.0 * np.pi * (day_fraction - peak))
    trend = rng.uniform(-0.25, 0.25) * elapsed_days
    scale = rng.uniform(0.12, 0.25)
    noise = ar1_noise(timestamps.size, rng.uniform(0.85, 0.95), scale, rng)
    return BaseSignal(level + trend + seasonal + noise, seasonal, scale)


def _orders(timestamps: pd.DatetimeIndex, rng: np.random.Generator) -> BaseSignal:
    elapsed_days, day_fraction, weekend = _clock(timestamps)
    level = rng.uniform(150.0, 800.0)
    growth = level * (1.0 + rng.uniform(0.0, 0.02) * elapsed_days)
    daily = (
        0.3
        + 0.9 * _daily_peak(day_fraction, rng.uniform(12.0, 13.0), 1.5)
        + 1.2 * _daily_peak(day_fraction, rng.uniform(19.0, 20.5), 2.0)
    )
    weekly = np.where(weekend, rng.choice([rng.uniform(0.6, 0.8), rng.uniform(1.2, 1.5)]), 1.0)
    multiplier = daily * weekly
    seasonal = growth * (multiplier / multiplier.mean() - 1.0)
    scale = level * rng.uniform(0.03, 0.06)
    noise = ar1_noise(timestamps.size, rng.uniform(0.3, 0.6), scale, rng)
    return BaseSignal(growth + seasonal + noise, seasonal, scale)


_BUILDERS = {"cpu": _cpu, "temperature": _temperature, "orders": _orders}


def base_signal(profile: str, timestamps: pd.DatetimeIndex, rng: np.random.Generator) -> BaseSignal:
    """Build a clean series of the given profile at the given timestamps.

    Parameters
    ----------
    profile : {"cpu", "temperature", "orders"}
        Which kind of series to imitate.
    timestamps : pandas.DatetimeIndex of shape (n_points,)
        Regular UTC timestamps; the daily and weekly patterns follow the clock.
    rng : numpy.random.Generator
        Source of the per-series parameters and the noise.

    Returns
    -------
    BaseSignal
    """
    return _BUILDERS[profile](timestamps, rng)
