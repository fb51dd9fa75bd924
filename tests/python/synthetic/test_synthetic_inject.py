"""Behaviour of the inject_* functions of anomalia.synthetic."""

from __future__ import annotations

import numpy as np
import pytest

from anomalia.exceptions import ConfigError
from anomalia.synthetic import (
    inject_broken_seasonality,
    inject_flatline,
    inject_level_shift,
    inject_missing,
    inject_spike,
    inject_trend_change,
    inject_variance_burst,
)

WINDOW = slice(200, 240)


def _outside(array: np.ndarray) -> np.ndarray:
    return np.r_[array[: WINDOW.start], array[WINDOW.stop :]]


CASES = {
    "level_shift": lambda v: inject_level_shift(v, 200, 40, 3.0),
    "trend_change": lambda v: inject_trend_change(v, 200, 40, -2.0),
    "variance_burst": lambda v: inject_variance_burst(v, 200, 40, scale=0.1, rng=0),
    "broken_seasonality": lambda v: inject_broken_seasonality(v, 200, 40, np.zeros_like(v)),
    "flatline": lambda v: inject_flatline(v, 200, 40),
    "missing": lambda v: inject_missing(v, 200, 40),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_only_the_window_changes_and_the_input_is_kept(kind, clean_series):
    original = clean_series.copy()
    result = CASES[kind](clean_series)
    np.testing.assert_array_equal(clean_series, original)
    np.testing.assert_array_equal(_outside(result), _outside(original))
    assert result.dtype == np.float64


@pytest.mark.parametrize("magnitude", [5.0, -5.0])
def test_injected_spike_is_the_largest_deviation_from_the_median(clean_series, magnitude):
    spiked = inject_spike(clean_series, 123, magnitude)
    assert int(np.argmax(np.abs(spiked - np.median(spiked)))) == 123
    assert np.count_nonzero(spiked != clean_series) == 1


def test_spike_can_span_several_points(clean_series):
    spiked = inject_spike(clean_series, 50, 4.0, length=3)
    np.testing.assert_allclose(spiked[50:53] - clean_series[50:53], 4.0)


def test_level_shift_adds_the_offset_over_the_window(clean_series):
    shifted = inject_level_shift(clean_series, 200, 40, 3.0)
    np.testing.assert_allclose(shifted[WINDOW] - clean_series[WINDOW], 3.0)


def test_trend_change_ramps_away_and_back(clean_series):
    offset = inject_trend_change(clean_series, 200, 40, -2.0)[WINDOW] - clean_series[WINDOW]
    assert (offset < 0).all()
    assert offset.min() == pytest.approx(-2.0, abs=0.1)
    assert abs(offset[0]) < 0.2 and abs(offset[-1]) < 0.2


def test_variance_burst_multiplies_the_noise_by_the_factor():
    noise = np.random.default_rng(1).normal(0.0, 1.0, 5000)
    burst = inject_variance_burst(noise, 1000, 3000, scale=1.0, factor=4.0, rng=2)
    assert burst[1000:4000].std() == pytest.approx(4.0, rel=0.05)
    assert burst[:1000].std() == pytest.approx(1.0, rel=0.1)


def test_broken_seasonality_shifts_or_removes_the_pattern():
    seasonal = np.sin(2 * np.pi * np.arange(480) / 48)
    shifted = inject_broken_seasonality(seasonal, 200, 40, seasonal, shift=24)
    np.testing.assert_allclose(shifted[WINDOW], -seasonal[WINDOW], atol=1e-12)
    removed = inject_broken_seasonality(seasonal + 5.0, 200, 40, seasonal)
    np.testing.assert_allclose(removed[WINDOW], 5.0 + seasonal.mean())


def test_broken_seasonality_looks_forward_near_the_start():
    seasonal = np.sin(2 * np.pi * np.arange(480) / 48)
    shifted = inject_broken_seasonality(seasonal, 10, 20, seasonal, shift=24)
    np.testing.assert_allclose(shifted[10:30], seasonal[34:54])


def test_flatline_holds_the_last_value_without_noise(clean_series):
    stuck = inject_flatline(clean_series, 200, 40)
    assert np.ptp(stuck[WINDOW]) == 0.0
    assert stuck[200] == clean_series[199]
    assert (inject_flatline(clean_series, 200, 40, value=0.0)[WINDOW] == 0.0).all()


def test_missing_blanks_the_window(clean_series):
    gapped = inject_missing(clean_series, 200, 40)
    np.testing.assert_array_equal(np.isnan(gapped), np.isin(np.arange(480), np.arange(200, 240)))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda v: inject_level_shift(v, 470, 20, 1.0), "must lie inside the 480 values"),
        (lambda v: inject_spike(v, -1, 1.0), "must lie inside"),
        (lambda v: inject_level_shift(v, 10, 0, 1.0), "`length` must be an integer ≥ 1"),
        (lambda v: inject_spike(v.reshape(24, 20), 0, 1.0), "one-dimensional"),
        (lambda v: inject_variance_burst(v, 0, 5, scale=0.0), "`scale` must be > 0"),
        (lambda v: inject_variance_burst(v, 0, 5, scale=1.0, factor=1.0), "`factor` must be > 1"),
        (lambda v: inject_broken_seasonality(v, 0, 5, v[:10]), "same shape"),
    ],
)
def test_bad_arguments_name_the_fix(call, message, clean_series):
    with pytest.raises(ConfigError, match=message):
        call(clean_series)
