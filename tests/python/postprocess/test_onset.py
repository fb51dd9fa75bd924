"""keep_onsets: a score survives only as a new maximum of its trailing window."""

from __future__ import annotations

import numpy as np
import pytest

from anomalia.exceptions import ConfigError
from anomalia.postprocess import keep_onsets


def test_a_plateau_keeps_only_its_first_point_and_a_larger_rise_alarms_again():
    scores = np.array([0.1, 0.2, 5.0, 5.0, 4.9, 5.0, 0.3, 7.0, 0.1])
    np.testing.assert_array_equal(
        keep_onsets(scores, window=4), [0.1, 0.2, 5.0, 0.0, 0.0, 0.0, 0.0, 7.0, 0.0]
    )


def test_a_score_alarms_again_once_the_window_has_passed():
    scores = np.array([5.0, 1.0, 1.0, 5.0])
    np.testing.assert_array_equal(keep_onsets(scores, window=2), [5.0, 0.0, 0.0, 5.0])


def test_is_causal_and_idempotent():
    rng = np.random.default_rng(1)
    scores = rng.exponential(size=300)
    kept = keep_onsets(scores, window=20)
    np.testing.assert_array_equal(keep_onsets(kept, window=20), kept)
    altered = scores.copy()
    altered[150:] = 99.0
    np.testing.assert_array_equal(keep_onsets(altered, window=20)[:150], kept[:150])


def test_window_must_be_a_positive_integer():
    with pytest.raises(ConfigError, match="`window` must be an integer >= 1"):
        keep_onsets(np.zeros(3), window=0)


def test_with_a_margin_a_later_score_must_be_clearly_larger():
    scores = np.array([1.0, 1.2, 1.4, 0.0, 2.0])
    np.testing.assert_array_equal(keep_onsets(scores, window=3), [1.0, 1.2, 1.4, 0.0, 2.0])
    np.testing.assert_array_equal(
        keep_onsets(scores, window=3, margin=1.3), [1.0, 0.0, 0.0, 0.0, 2.0]
    )
    with pytest.raises(ConfigError, match="`margin` must be a number in"):
        keep_onsets(scores, window=3, margin=0.5)
