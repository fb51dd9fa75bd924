"""Labelled synthetic observations with injected anomalies."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from anomalia.exceptions import ConfigError
from anomalia.synthetic.inject import (
    inject_broken_seasonality,
    inject_flatline,
    inject_level_shift,
    inject_missing,
    inject_spike,
    inject_trend_change,
    inject_variance_burst,
)
from anomalia.synthetic.profiles import PROFILES, BaseSignal, base_signal
from anomalia.synthetic.schedule import ANOMALY_KINDS, MISSING_KIND, PlannedEvent, plan_events

#: Window anomalies per series, besides one spike and one missing stretch.
WINDOWS_PER_SERIES = 3
MIN_LENGTH = 200
_MIN_POINTS_PER_DAY = 4


@dataclass(frozen=True)
class SyntheticData:
    """Synthetic observations and the ground truth injected into them.

    Attributes
    ----------
    observations : pandas.DataFrame
        Long format, sorted by ``series_id`` then ``timestamp``: ``series_id``
        (str), ``timestamp`` (datetime64[ns, UTC]), ``value`` (float64, NaN in
        missing stretches) and ``label`` (int8, 1 inside anomaly windows).
    events : pandas.DataFrame
        One row per injected event, sorted by series and start: ``series_id``,
        ``kind`` (an anomaly kind or ``"missing"``), ``start`` and ``end``
        (inclusive timestamps), ``start_index`` and ``end_index`` (inclusive
        positions within the series).
    """

    observations: pd.DataFrame
    events: pd.DataFrame


def _step(freq: str) -> pd.Timedelta:
    try:
        step = pd.Timedelta(pd.tseries.frequencies.to_offset(freq))
    except (TypeError, ValueError):
        raise ConfigError(
            f"`freq` must be a fixed frequency such as '5min' or '1h', got {freq!r}"
        ) from None
    if step <= pd.Timedelta(0) or pd.Timedelta(days=1) / step < _MIN_POINTS_PER_DAY:
        raise ConfigError(
            f"`freq` must give at least {_MIN_POINTS_PER_DAY} points per day so the "
            f"series has a daily pattern, e.g. '5min' or '1h', got {freq!r}"
        )
    return step


def _timestamps(start: str | pd.Timestamp, length: int, step: pd.Timedelta) -> pd.DatetimeIndex:
    try:
        first = pd.Timestamp(start)
    except (TypeError, ValueError):
        raise ConfigError(
            f"`start` must be a timestamp such as '2024-01-01', got {start!r}"
        ) from None
    first = first.tz_localize("UTC") if first.tzinfo is None else first.tz_convert("UTC")
    return pd.date_range(first, periods=length, freq=step).as_unit("ns")


def _inject(
    values: np.ndarray,
    event: PlannedEvent,
    signal: BaseSignal,
    half_day: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Apply one planned event, with a magnitude relative to the series' noise."""
    sign = rng.choice([-1.0, 1.0])
    scale = signal.noise_scale
    if event.kind == "spike":
        return inject_spike(
            values, event.start, sign * rng.uniform(6, 10) * scale, length=event.length
        )
    if event.kind == "level_shift":
        return inject_level_shift(
            values, event.start, event.length, sign * rng.uniform(3, 5) * scale
        )
    if event.kind == "trend_change":
        return inject_trend_change(
            values, event.start, event.length, sign * rng.uniform(4, 7) * scale
        )
    if event.kind == "variance_burst":
        return inject_variance_burst(
            values, event.start, event.length, scale=scale, factor=rng.uniform(3, 5), rng=rng
        )
    if event.kind == "broken_seasonality":
        # A 12-hour phase shift needs half a day of pattern before or after the
        # window; series shorter than that get the pattern removed instead.
        fits = event.start >= half_day or event.end + half_day < values.size
        return inject_broken_seasonality(
            values, event.start, event.length, signal.seasonal, shift=half_day if fits else None
        )
    if event.kind == "flatline":
        return inject_flatline(values, event.start, event.length)
    return inject_missing(values, event.start, event.length)


def _window_kinds(n_series: int, rng: np.random.Generator) -> list[list[str]]:
    """Deal the non-spike kinds round-robin, so any two series hold all of them."""
    cycle = [ANOMALY_KINDS[1:][i] for i in rng.permutation(len(ANOMALY_KINDS) - 1)]
    return [
        [cycle[(WINDOWS_PER_SERIES * series + j) % len(cycle)] for j in range(WINDOWS_PER_SERIES)]
        for series in range(n_series)
    ]


def _check_counts(n_series: int, length: int) -> None:
    if isinstance(n_series, bool) or not isinstance(n_series, int | np.integer) or n_series < 1:
        raise ConfigError(f"`n_series` must be an integer ≥ 1, got {n_series!r}")
    if isinstance(length, bool) or not isinstance(length, int | np.integer) or length < MIN_LENGTH:
        raise ConfigError(f"`length` must be an integer ≥ {MIN_LENGTH}, got {length!r}")


def generate(
    n_series: int = 6,
    length: int = 3000,
    freq: str = "5min",
    seed: int | None = 0,
    start: str | pd.Timestamp = "2024-01-01",
) -> SyntheticData:
    """Generate labelled series with injected anomalies and missing stretches.

    Series cycle through three profiles (server CPU in %, a temperature in °C,
    orders per interval with a weekly pattern), each with its own level,
    seasonal shape and AR(1) noise. Each series carries one spike, three window
    anomalies dealt round-robin from ``level_shift``, ``trend_change``,
    ``variance_burst``, ``broken_seasonality`` and ``flatline`` (so every kind
    appears once ``n_series`` ≥ 2), and one ``missing`` stretch of NaN values
    labelled 0. Magnitudes are multiples of the series' noise level; the first
    10 % of every series is clean. About 2-5 % of points are anomalous.

    Parameters
    ----------
    n_series : int, default 6
        Number of series.
    length : int, default 3000
        Points per series (at least 200).
    freq : str, default "5min"
        Fixed sampling interval, at most 6 hours.
    seed : int or None, default 0
        Seed of ``numpy.random.default_rng``; the same seed gives the same data.
    start : str or pandas.Timestamp, default "2024-01-01"
        First timestamp; naive values are read as UTC.

    Returns
    -------
    SyntheticData

    Raises
    ------
    ConfigError
        If an argument is out of range.

    Examples
    --------
    >>> from anomalia.synthetic import generate
    >>> data = generate(n_series=2, length=500, seed=1)
    >>> sorted(data.observations.columns)
    ['label', 'series_id', 'timestamp', 'value']
    """
    _check_counts(n_series, length)
    step = _step(freq)
    timestamps = _timestamps(start, length, step)
    half_day = max(1, round(pd.Timedelta(hours=12) / step))
    streams = np.random.SeedSequence(seed).spawn(n_series + 1)
    kinds_per_series = _window_kinds(n_series, np.random.default_rng(streams[0]))
    width = max(2, len(str(n_series - 1)))

    frames, event_rows = [], []
    for series, stream in enumerate(streams[1:]):
        rng = np.random.default_rng(stream)
        profile = PROFILES[series % len(PROFILES)]
        series_id = f"s{series:0{width}d}-{profile}"
        signal = base_signal(profile, timestamps, rng)
        planned = plan_events(["spike", *kinds_per_series[series], MISSING_KIND], length, rng)
        values = signal.values
        labels = np.zeros(length, dtype=np.int8)
        for event in planned:
            values = _inject(values, event, signal, half_day, rng)
            if event.kind != MISSING_KIND:
                labels[event.start : event.end + 1] = 1
            event_rows.append((series_id, event.kind, event.start, event.end))
        frames.append(
            pd.DataFrame(
                {"series_id": series_id, "timestamp": timestamps, "value": values, "label": labels}
            )
        )

    observations = pd.concat(frames, ignore_index=True)
    events = pd.DataFrame(event_rows, columns=["series_id", "kind", "start_index", "end_index"])
    events = events.astype({"start_index": np.int64, "end_index": np.int64})
    events.insert(2, "start", timestamps[events["start_index"].to_numpy()])
    events.insert(3, "end", timestamps[events["end_index"].to_numpy()])
    return SyntheticData(observations=observations, events=events)
