"""detect_season: finds daily cycles at any sampling rate, and nothing in noise or random walks."""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy.signal import lfilter

from anomalia.exceptions import ConfigError, DataError
from anomalia.features import detect_season


def daily_profile(points_per_day: int, days: int, *, seed: int, noise: float = 0.3) -> np.ndarray:
    """A busy-hours bump and a smaller evening peak every day, with AR(1) noise."""
    rng = np.random.default_rng(seed)
    hour = (np.arange(points_per_day * days) % points_per_day) * 24 / points_per_day
    busy = np.exp(-0.5 * ((hour - 13) / 3) ** 2)
    evening = 0.5 * np.exp(-0.5 * ((hour - 20) / 1.5) ** 2)
    ar_noise = lfilter([noise * np.sqrt(1 - 0.5**2)], [1, -0.5], rng.normal(size=len(hour)))
    return 10.0 + 3.0 * (busy + evening) + 3.0 * ar_noise


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_finds_a_daily_season_in_five_minute_data(seed):
    assert detect_season(daily_profile(288, 14, seed=seed)) == 288


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_week_of_a_smooth_daily_shape_pins_the_period_to_about_one_percent(seed):
    # Seven noisy cycles of a smooth bump cannot tell 288 from 286 rows; the
    # seasonal features barely change over such a difference.
    assert abs(detect_season(daily_profile(288, 7, seed=seed)) - 288) <= 3


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_finds_a_daily_season_in_hourly_data(seed):
    assert detect_season(daily_profile(24, 60, seed=seed)) == 24


def test_finds_the_season_under_a_trend_and_a_slow_drift():
    values = daily_profile(288, 14, seed=3)
    drift = np.cumsum(np.random.default_rng(4).normal(scale=0.05, size=len(values)))
    assert detect_season(values + 0.002 * np.arange(len(values)) + drift) == 288


def test_prefers_the_period_over_its_strongest_harmonic():
    # Two equal peaks 8 hours apart: most power sits at 12 and 8 hours, yet
    # only a whole day repeats the pattern.
    hour = np.arange(24 * 40) % 24
    values = np.exp(-0.5 * ((hour - 8) / 1.0) ** 2) + np.exp(-0.5 * ((hour - 16) / 1.0) ** 2)
    values += 0.1 * np.random.default_rng(5).normal(size=len(values))
    assert detect_season(values) == 24


def test_prefers_the_period_over_its_multiples():
    time = np.arange(2000)
    values = np.sin(2 * np.pi * time / 40) + 0.3 * np.random.default_rng(6).normal(size=len(time))
    assert detect_season(values) == 40


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("length", [500, 4000])
def test_white_noise_has_no_season(seed, length):
    assert detect_season(np.random.default_rng(seed).normal(size=length)) is None


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("length", [500, 4000])
def test_a_random_walk_has_no_season(seed, length):
    steps = np.random.default_rng(100 + seed).normal(size=length)
    assert detect_season(np.cumsum(steps)) is None


def test_constant_and_short_series_have_no_season():
    assert detect_season(np.full(500, 3.0)) is None
    assert detect_season(np.arange(10.0)) is None


def test_periods_outside_the_range_are_not_reported():
    values = np.sin(2 * np.pi * np.arange(2000) / 100)
    values += 0.2 * np.random.default_rng(7).normal(size=2000)
    assert detect_season(values) == 100
    assert detect_season(values, max_period=80) is None
    assert detect_season(values, min_period=120) is None


def test_a_single_column_frame_shape_is_accepted():
    values = daily_profile(24, 30, seed=8).reshape(-1, 1)
    assert detect_season(values) == 24


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"min_period": 1}, ConfigError, "`min_period` must be an integer >= 2, got 1"),
        ({"max_period": 2.5}, ConfigError, "`max_period` must be an integer >= 2, got 2.5"),
    ],
)
def test_bad_periods_are_named(options, error, message):
    with pytest.raises(error, match=re.escape(message)):
        detect_season(np.zeros(100), **options)


def test_bad_values_are_refused():
    with pytest.raises(DataError, match="expected a 1-D array"):
        detect_season(np.zeros((100, 2)))
    values = np.zeros(100)
    values[7] = np.nan
    with pytest.raises(DataError, match="row 8 is not finite"):
        detect_season(values)
