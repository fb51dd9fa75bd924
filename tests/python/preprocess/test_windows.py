from __future__ import annotations

import numpy as np
import pytest

from anomalia.exceptions import ConfigError, DataError
from anomalia.preprocess import sliding_windows, windows_to_points


def test_windows_are_a_read_only_view_of_the_input():
    values = np.arange(20.0).reshape(10, 2)
    windows = sliding_windows(values, window=4, step=3)

    assert windows.shape == (3, 4, 2)
    assert np.shares_memory(windows, values)
    np.testing.assert_array_equal(windows[1], values[3:7])
    with pytest.raises(ValueError, match="read-only"):
        windows[0, 0, 0] = 1.0


def test_one_dimensional_input_gets_one_feature():
    values = np.arange(6.0)
    windows = sliding_windows(values, window=3)
    assert windows.shape == (4, 3, 1)
    assert np.shares_memory(windows, values)
    np.testing.assert_array_equal(windows[:, :, 0], [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"window": 1}, "`window` must be an integer >= 2, got 1"),
        ({"window": 2.5}, "`window` must be an integer >= 2, got 2.5"),
        ({"window": True}, "`window` must be an integer >= 2, got True"),
        ({"window": 3, "step": 0}, "`step` must be an integer >= 1, got 0"),
    ],
)
def test_bad_parameters_are_named(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        sliding_windows(np.arange(10.0), **kwargs)


def test_a_window_longer_than_the_series_is_a_data_error():
    with pytest.raises(
        DataError, match="`window` \\(11\\) is longer than the series \\(10 points\\)"
    ):
        sliding_windows(np.arange(10.0), window=11)


def naive_windows_to_points(scores, n, window, step, how):
    covering = [[] for _ in range(n)]
    for index, score in enumerate(scores):
        for point in range(index * step, index * step + window):
            covering[point].append(score)
    last = len(scores) - 1
    combine = {"mean": np.mean, "max": np.max, "min": np.min}[how]
    return np.array([combine(c) if c else scores[last] for c in covering])


@pytest.mark.parametrize("how", ["mean", "max", "min"])
@pytest.mark.parametrize(("n", "window", "step"), [(30, 5, 1), (31, 6, 4), (40, 7, 7), (17, 17, 3)])
def test_windows_to_points_matches_a_naive_loop(how, n, window, step):
    rng = np.random.default_rng(n + window + step)
    n_windows = (n - window) // step + 1
    scores = rng.normal(size=n_windows)
    expected = naive_windows_to_points(scores, n, window, step, how)
    np.testing.assert_allclose(windows_to_points(scores, n, window, step, how=how), expected)


def test_window_maxima_mapped_back_bound_every_point():
    values = np.random.default_rng(1).normal(size=(50, 1))
    windows = sliding_windows(values, window=8, step=3)
    per_point = windows_to_points(windows.max(axis=(1, 2)), 50, 8, 3, how="max")
    assert per_point.shape == (50,)
    assert np.all(per_point >= values[:, 0])
    assert np.any(per_point == values[:, 0])


def test_wrong_number_of_window_scores_is_explained():
    with pytest.raises(DataError, match="n=100 cut with window=10, step=5 gives 19 windows"):
        windows_to_points(np.zeros(20), 100, 10, 5)


def test_step_larger_than_window_is_refused():
    with pytest.raises(ConfigError, match="`step` \\(20\\) must not exceed `window` \\(10\\)"):
        windows_to_points(np.zeros(5), 100, 10, 20)
