"""Context-deviation features: causal, scale-free, finite, and what each one measures."""

from __future__ import annotations

import re

import numpy as np
import pytest

from anomalia.exceptions import ConfigError
from anomalia.features import context_features, make_features
from anomalia.features.context import CLIP, reference_scale

PERIOD = 50


def noisy_sine(rows: int = 600, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    time = np.arange(rows)
    return (np.sin(2 * np.pi * time / PERIOD) + 0.3 * rng.normal(size=rows)).reshape(-1, 1)


def columns(features: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
    return dict(zip(names, features.T, strict=True))


@pytest.mark.parametrize("scale", ["expanding", "training"])
@pytest.mark.parametrize("row", [0, 5, 60, 300, 598])
def test_changing_the_future_never_changes_the_features_of_the_past(row, scale):
    values = noisy_sine()
    reference = reference_scale(values[:300]) if scale == "training" else None
    before, _ = context_features(values, (12, 48), ["x"], season=PERIOD, scale=reference)
    changed = values.copy()
    changed[row + 1 :] = np.random.default_rng(1).normal(scale=100.0, size=changed[row + 1 :].shape)
    after, _ = context_features(changed, (12, 48), ["x"], season=PERIOD, scale=reference)
    np.testing.assert_array_equal(after[: row + 1], before[: row + 1])
    assert not np.allclose(after[row + 1 :], before[row + 1 :])


def test_each_feature_matches_its_definition():
    values = noisy_sine()
    features, names = context_features(values, (12, 48), ["x"], season=PERIOD)
    column = columns(features, names)
    x = values[:, 0]
    row = 400
    previous = x[row - 48 : row]
    recent = x[row - 11 : row + 1]
    seasonal_recent = x[row - PERIOD - 11 : row - PERIOD + 1]
    expected = {
        "x_z_w48": (x[row] - previous.mean()) / previous.std(),
        "x_volratio_w48": recent.std() / previous.std(),
        "x_shift_w48": (recent.mean() - previous.mean()) / previous.std(),
        "x_z_w12": (x[row] - x[row - 12 : row].mean()) / x[row - 12 : row].std(),
        "x_diffz": (x[row] - x[row - 1]) / previous.std(),
        "x_seasonz_p50": (x[row] - x[row - PERIOD]) / previous.std(),
        "x_seasonshift_p50": (recent.mean() - seasonal_recent.mean()) / previous.std(),
    }
    for name, value in expected.items():
        assert column[name][row] == pytest.approx(value, rel=1e-9), name
    assert len(names) == 3 * 2 + 1 + 2


def test_a_spike_gives_a_large_z_at_its_index():
    values = noisy_sine()
    values[400] += 5.0
    features, names = context_features(values, (12, 48), ["x"], season=PERIOD)
    column = columns(features, names)
    for name in ("x_z_w12", "x_z_w48", "x_diffz", "x_seasonz_p50"):
        assert column[name][400] > 5.0, name
        assert int(np.argmax(np.abs(column[name][100:]))) + 100 == 400, name


def test_seasonal_deviation_is_zero_on_a_periodic_signal_with_its_period():
    profile = np.random.default_rng(2).normal(size=24)
    values = np.tile(profile, 40).reshape(-1, 1)
    complete = 24 + 12  # rows whose seasonal windows lie inside the series
    features, names = context_features(values, (48,), ["x"], season=24)
    column = columns(features, names)
    np.testing.assert_allclose(column["x_seasonz_p24"][complete:], 0.0, atol=1e-9)
    np.testing.assert_allclose(column["x_seasonshift_p24"][complete:], 0.0, atol=1e-9)
    # One row off, the same signal deviates by about its own spread.
    wrong, names = context_features(values, (48,), ["x"], season=23)
    assert np.abs(columns(wrong, names)["x_seasonz_p23"][complete:]).mean() > 0.5


def test_features_do_not_depend_on_the_units_of_the_series():
    values = noisy_sine()
    features, _ = context_features(values, (12, 48), ["x"], season=PERIOD)
    converted, _ = context_features(1000.0 * values - 40.0, (12, 48), ["x"], season=PERIOD)
    np.testing.assert_allclose(converted, features, atol=1e-6)


def test_a_flat_stretch_does_not_turn_rounding_noise_into_huge_ratios():
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.normal(size=300), 5.0 + 1e-9 * rng.normal(size=300)])
    values = values.reshape(-1, 1)
    features, names = context_features(values, (12, 48), ["x"], scale=reference_scale(values))
    column = columns(features, names)
    # The std floor is a thousandth of the series' spread, not 1e-9.
    assert np.abs(column["x_z_w48"][360:]).max() < 1e-3
    assert np.abs(features).max() <= CLIP


@pytest.mark.parametrize(
    "values",
    [
        np.ones(300),
        np.ones(1),
        np.zeros((3, 2)),
        np.repeat([0.0, 1e9], 150),
        np.concatenate([np.zeros(100), np.random.default_rng(4).normal(size=100)]),
    ],
    ids=["constant", "single-row", "shorter-than-windows", "huge-step", "flat-then-noise"],
)
@pytest.mark.parametrize("scale", ["expanding", "reference"])
def test_features_are_finite_and_bounded_on_degenerate_series(values, scale):
    array = values.reshape(len(values), -1)
    reference = reference_scale(array) if scale == "reference" else None
    names = [f"x{column}" for column in range(array.shape[1])]
    features, feature_names = context_features(array, (5, 40), names, season=7, scale=reference)
    assert features.shape == (len(array), len(feature_names))
    assert np.isfinite(features).all()
    assert np.abs(features).max(initial=0.0) <= CLIP


def test_make_features_adds_them_after_the_level_features():
    values = noisy_sine(rows=200)
    features, names = make_features(values, windows=(12,), fft_window=None)
    with_context, context_names = make_features(
        values, windows=(12,), fft_window=None, context_windows=(12, 48), season=PERIOD
    )
    assert context_names[: len(names)] == names
    np.testing.assert_array_equal(with_context[:, : len(names)], features)
    assert context_names[len(names) :][:3] == ["x0_z_w12", "x0_volratio_w12", "x0_shift_w12"]
    assert context_names[-2:] == ["x0_seasonz_p50", "x0_seasonshift_p50"]


def test_make_features_can_leave_out_every_level_feature():
    values = noisy_sine(rows=200)
    features, names = make_features(
        values,
        windows=(),
        lags=(),
        differences=False,
        level=False,
        fft_window=None,
        context_windows=(48,),
        context_scale=[2.0],
    )
    assert names == ["x0_z_w48", "x0_volratio_w48", "x0_shift_w48", "x0_diffz"]
    expected, _ = context_features(values, (48,), ["x0"], scale=np.array([2.0]))
    np.testing.assert_array_equal(features, expected)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"context_windows": (1,)}, "`context_windows` must be a sequence of integers, each >= 2"),
        ({"season": 24}, "`season` needs `context_windows`"),
        ({"context_windows": (12,), "season": 1}, "`season` must be an integer >= 2, got 1"),
        (
            {"context_windows": (12,), "context_scale": [1.0]},
            "`context_scale` must be 2 positive number(s), one per column, got [1.0]",
        ),
        (
            {"context_windows": (12,), "context_scale": [1.0, 0.0]},
            "`context_scale` must be 2 positive number(s)",
        ),
    ],
)
def test_bad_context_options_are_named(options, message):
    values = np.random.default_rng(0).normal(size=(100, 2))
    with pytest.raises(ConfigError, match=re.escape(message)):
        make_features(values, **options)
