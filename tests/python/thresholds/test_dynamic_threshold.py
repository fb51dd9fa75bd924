from __future__ import annotations

import numpy as np
import pytest

from anomalia.thresholds import DynamicThreshold
from anomalia.thresholds.dynamic import _best_epsilons, _pruned

Z_VALUES = np.arange(2.0, 10.25, 0.5)


@pytest.fixture
def errors_with_burst(rng) -> np.ndarray:
    errors = np.abs(rng.normal(size=6000))
    errors[3000:3040] += 5.0
    return errors


def test_an_injected_burst_is_flagged_and_little_else(errors_with_burst):
    threshold = DynamicThreshold(window=500, smoothing=10).fit(errors_with_burst[:1000])
    flags = threshold.flag(errors_with_burst)
    assert flags[3005:3040].mean() > 0.9
    outside = np.r_[flags[:3000], flags[3060:]]
    assert outside.sum() <= 0.002 * outside.size


def test_raw_scores_over_thresholds_are_smoothed_scores_over_epsilon(errors_with_burst):
    threshold = DynamicThreshold(window=500, smoothing=10).fit(errors_with_burst)
    limits = threshold.thresholds(errors_with_burst)
    smoothed = threshold.smooth(errors_with_burst)
    epsilon = limits - (errors_with_burst - smoothed)
    flags = threshold.flag(errors_with_burst)
    np.testing.assert_array_equal(flags, errors_with_burst > limits)
    clear = np.abs(smoothed - epsilon) > 1e-9  # ties differ only by rounding
    np.testing.assert_array_equal(flags[clear], (smoothed > epsilon)[clear])
    assert np.unique(np.round(epsilon, 9)).size > 1  # one epsilon per window, not one overall


def test_pruning_removes_the_noise_flags_of_clean_windows(rng):
    noise = np.abs(rng.normal(size=5000))
    unpruned = DynamicThreshold(window=500, smoothing=5, min_decrease=0.0).fit(noise)
    pruned = DynamicThreshold(window=500, smoothing=5).fit(noise)
    assert unpruned.flag(noise).sum() > 5
    assert pruned.flag(noise).sum() <= unpruned.flag(noise).sum() / 5


def test_scores_shorter_than_the_window_form_one_window(rng):
    errors = np.abs(rng.normal(size=120))
    errors[60:65] += 8.0
    threshold = DynamicThreshold(window=1000, smoothing=1).fit(errors)
    limits = threshold.thresholds(errors)
    assert np.unique(limits).size == 1
    assert threshold.flag(errors)[60:65].all()
    assert threshold.flag(errors).sum() == 5


def naive_epsilon(window: np.ndarray) -> float:
    """Hundman et al. eq. for one window, one z at a time."""
    mean, std = window.mean(), window.std()
    best, best_value = mean + Z_VALUES[-1] * std, -np.inf
    for z in Z_VALUES:
        epsilon = mean + z * std
        above = window > epsilon
        if not above.any() or above.all():
            continue
        below = window[~above]
        n_sequences = above[0] + np.sum(above[1:] & ~above[:-1])
        value = ((mean - below.mean()) / mean + (std - below.std()) / std) / (
            above.sum() + n_sequences**2
        )
        if value > best_value:
            best, best_value = epsilon, value
    return best


def naive_pruned(window: np.ndarray, epsilon: float, min_decrease: float) -> float:
    above = window > epsilon
    maxima, start = [], None
    for index, flag in enumerate(np.r_[above, False]):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            maxima.append(window[start:index].max())
            start = None
    maxima = sorted(maxima, reverse=True) + [window[~above].max()]
    kept = 0
    for index in range(len(maxima) - 1):
        if (maxima[index] - maxima[index + 1]) / maxima[index] >= min_decrease:
            kept = index + 1
    return max(epsilon, maxima[kept])


def test_vectorised_epsilon_choice_and_pruning_match_a_naive_loop(rng):
    windows = np.abs(rng.standard_t(3, size=(40, 200)))
    windows[::3, 50:58] += 6.0
    epsilons = _best_epsilons(windows, Z_VALUES)
    np.testing.assert_allclose(epsilons, [naive_epsilon(w) for w in windows])
    for min_decrease in (0.0, 0.13, 0.5):
        expected = [
            naive_pruned(w, e, min_decrease) for w, e in zip(windows, epsilons, strict=True)
        ]
        np.testing.assert_allclose(_pruned(windows, epsilons, min_decrease), expected)
