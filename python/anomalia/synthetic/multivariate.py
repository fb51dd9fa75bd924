"""Labelled multivariate series: correlated sensors whose relationship breaks.

Each system has ``n_sensors`` sensors driven by two shared signals of the
synthetic generator's profiles (a daily load and a temperature), each sensor
with its own gain, offset and AR(1) noise, so the sensors are strongly
correlated. The first half of a system is clean (for training); the second
half holds one event of each kind, each acting on one sensor:

* ``decoupled``: the sensor replays its own values of another day, so it
  stays in its usual range but no longer follows the others;
* ``inverted``: the sensor mirrors its movement around its local level;
* ``drift``: a calibration drift grows to 0.75 of the sensor's standard
  deviation above what the others imply;
* ``spike``: a single-sensor spike of 4 standard deviations (three rows), the
  only kind a column-by-column detector is built for.

Only ``spike`` leaves the sensor's usual range by construction; the other
kinds break relationships between sensors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from anomalia.exceptions import ConfigError
from anomalia.synthetic.profiles import ar1_noise, base_signal

#: Event kinds, in the order they are placed in the second half.
MULTIVARIATE_KINDS = ("decoupled", "inverted", "drift", "spike")


@dataclass(frozen=True)
class MultivariateData:
    """Systems of correlated sensors and the events injected into them.

    Attributes
    ----------
    values : list of ndarray of shape (length, n_sensors)
        One array per system.
    labels : list of ndarray of int8, shape (length,)
        1 inside an event.
    events : pandas.DataFrame
        One row per event: ``system`` (int), ``kind``, ``sensor`` (column
        index), ``start_index`` and ``end_index`` (inclusive).
    timestamps : pandas.DatetimeIndex of shape (length,)
    """

    values: list[np.ndarray]
    labels: list[np.ndarray]
    events: pd.DataFrame
    timestamps: pd.DatetimeIndex


def _standard(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / values.std()


def _system(
    length: int, n_sensors: int, timestamps: pd.DatetimeIndex, rng: np.random.Generator
) -> tuple[np.ndarray, list[tuple[str, int, int, int]]]:
    load = _standard(base_signal("cpu", timestamps, rng).values)
    heat = _standard(base_signal("temperature", timestamps, rng).values)
    gains = rng.uniform(0.5, 1.5, size=(2, n_sensors)) * rng.choice([-1, 1], size=(2, n_sensors))
    noise_scale = 0.1
    values = np.column_stack(
        [
            10.0 * (j + 1)
            + gains[0, j] * load
            + gains[1, j] * heat
            + ar1_noise(length, 0.5, noise_scale, rng)
            for j in range(n_sensors)
        ]
    )
    spread = values.std(axis=0)
    day = int(pd.Timedelta(days=1) / (timestamps[1] - timestamps[0]))
    half = length // 2
    slot = (length - half) // len(MULTIVARIATE_KINDS)
    events = []
    for k, kind in enumerate(MULTIVARIATE_KINDS):
        sensor = int(rng.integers(n_sensors))
        size = 3 if kind == "spike" else int(min(max(day // 6, 12), slot // 2))
        start = half + k * slot + int(rng.integers(slot // 8, slot - size - slot // 8))
        rows = slice(start, start + size)
        column = values[:, sensor]
        if kind == "decoupled":
            lag = day * int(rng.integers(2, 4)) + day // 2  # half a day out of phase
            column[rows] = column[start - lag : start - lag + size]
        elif kind == "inverted":
            level = column[rows].mean()
            column[rows] = 2 * level - column[rows]
        elif kind == "drift":
            column[rows] += np.linspace(0.0, 0.75 * spread[sensor], size)
        else:
            column[rows] += 4.0 * spread[sensor] * np.sign(rng.normal())
        events.append((kind, sensor, start, start + size - 1))
    return values, events


def generate_multivariate(
    n_systems: int = 6,
    length: int = 4032,
    n_sensors: int = 5,
    freq: str = "5min",
    seed: int = 0,
) -> MultivariateData:
    """Build ``n_systems`` labelled systems of ``n_sensors`` correlated sensors.

    Parameters
    ----------
    n_systems : int, default 6
    length : int, default 4032
        Rows per system (two weeks of 5-minute data); at least eight days.
    n_sensors : int, default 5
        At least 2.
    freq : str, default "5min"
    seed : int, default 0

    Raises
    ------
    ConfigError
        If a count is too small.
    """
    timestamps = pd.date_range("2024-01-01", periods=length, freq=freq, tz="UTC")
    day = pd.Timedelta(days=1) / (timestamps[1] - timestamps[0]) if length > 1 else 0
    if n_systems < 1 or n_sensors < 2 or length < 8 * day:
        raise ConfigError(
            "generate_multivariate needs n_systems >= 1, n_sensors >= 2 and at least "
            f"8 days of rows, got {n_systems}, {n_sensors} and {length} rows"
        )
    rng = np.random.default_rng(seed)
    values, labels, rows = [], [], []
    for system in range(n_systems):
        data, events = _system(length, n_sensors, timestamps, rng)
        label = np.zeros(length, dtype=np.int8)
        for kind, sensor, start, end in events:
            label[start : end + 1] = 1
            rows.append((system, kind, sensor, start, end))
        values.append(data)
        labels.append(label)
    events = pd.DataFrame(rows, columns=["system", "kind", "sensor", "start_index", "end_index"])
    return MultivariateData(values, labels, events, timestamps)
