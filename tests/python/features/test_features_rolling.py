"""Rolling statistics, lags and differences against direct computation."""

from __future__ import annotations

import numpy as np

from anomalia.features import difference_features, lag_features, rolling_features


def test_complete_windows_match_direct_statistics():
    values = np.random.default_rng(0).normal(size=(60, 2))
    window = 7
    features, names = rolling_features(values, window, ["a", "b"], quantiles=(0.25,))
    assert names == [
        f"{column}_{statistic}_w7"
        for statistic in ("mean", "std", "min", "max", "q25")
        for column in ("a", "b")
    ]
    for row in (6, 30, 59):
        past = values[row - window + 1 : row + 1]
        expected = np.concatenate(
            [past.mean(0), past.std(0), past.min(0), past.max(0), np.quantile(past, 0.25, 0)]
        )
        np.testing.assert_allclose(features[row], expected)


def test_a_quantile_ignores_a_single_spike_that_the_max_keeps():
    values = np.sin(np.arange(100) / 5).reshape(-1, 1)
    spiked = values.copy()
    spiked[50] += 100.0
    window_rows = slice(51, 70)  # rows whose window holds the spike, not the spike row
    plain, _ = rolling_features(values, 20, ["x"], statistics=("max",), quantiles=(0.9,))
    with_spike, _ = rolling_features(spiked, 20, ["x"], statistics=("max",), quantiles=(0.9,))
    assert (with_spike[window_rows, 0] > 50).all()
    np.testing.assert_allclose(with_spike[window_rows, 1], plain[window_rows, 1], atol=0.2)


def test_lags_and_differences():
    values = np.arange(10.0).reshape(-1, 1) ** 2
    lagged, names = lag_features(values, [1, 3], ["x"])
    assert names == ["x_lag1", "x_lag3"]
    np.testing.assert_array_equal(lagged[5], [values[4, 0], values[2, 0]])
    np.testing.assert_array_equal(lagged[:3, 1], [0.0, 0.0, 0.0])
    differences, names = difference_features(values, ["x"])
    assert names == ["x_diff1"]
    np.testing.assert_array_equal(differences[:, 0], np.diff(values[:, 0], prepend=0.0))
