"""Behaviour every registered threshold shares."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from anomalia.exceptions import DataError, NotFittedError
from anomalia.thresholds import available_thresholds, make_threshold

SPECS = {
    "static": {"method": "static", "value": 2.5},
    "quantile": {"method": "quantile", "contamination": 0.02},
    "pot": {"method": "pot", "risk": 1e-3},
    "spot": {"method": "spot", "risk": 1e-3},
    "dynamic": {"method": "dynamic", "window": 200, "smoothing": 5},
    "budget": {"method": "budget", "alerts_per_1000": 5},
}


def test_every_registered_method_is_covered():
    assert sorted(SPECS) == available_thresholds()


@pytest.fixture(params=sorted(SPECS))
def spec(request) -> dict:
    return SPECS[request.param]


@pytest.fixture
def scores(rng) -> tuple[np.ndarray, np.ndarray]:
    return rng.exponential(size=3000), rng.exponential(size=1000)


def test_fit_returns_self_and_thresholds_have_one_value_per_score(spec, scores):
    train, test = scores
    threshold = make_threshold(spec)
    assert threshold.fit(train) is threshold
    limits = threshold.thresholds(test)
    assert limits.shape == test.shape and limits.dtype == np.float64
    assert np.isfinite(limits).all()


def test_flags_are_zero_one_and_follow_the_thresholds(spec, scores):
    train, test = scores
    threshold = make_threshold(spec).fit(train)
    flags = threshold.flag(test)
    assert flags.shape == test.shape and set(np.unique(flags)) <= {0, 1}
    if spec["method"] in ("static", "quantile", "pot"):
        np.testing.assert_array_equal(flags, test > threshold.thresholds(test))


def test_using_an_unfitted_threshold_says_call_fit_first(spec, scores):
    threshold = make_threshold(spec)
    if spec["method"] == "static":
        assert threshold.flag(scores[1]).shape == scores[1].shape
        return
    with pytest.raises(NotFittedError, match="call fit first"):
        threshold.thresholds(scores[1])
    with pytest.raises(NotFittedError, match="call fit first"):
        threshold.flag(scores[1])


def test_same_input_gives_same_output_and_pickling_keeps_it(spec, scores):
    train, test = scores
    first = make_threshold(spec).fit(train)
    restored = pickle.loads(pickle.dumps(first))
    second = first.clone().fit(train)
    expected = first.thresholds(test)
    np.testing.assert_array_equal(second.thresholds(test), expected)
    np.testing.assert_array_equal(restored.thresholds(test), expected)


def test_parameters_are_stored_unchanged(spec):
    params = {k: v for k, v in spec.items() if k != "method"}
    threshold = make_threshold(spec)
    assert {k: threshold.get_params()[k] for k in params} == params
    assert threshold.clone().get_params() == threshold.get_params()


def test_non_finite_and_two_dimensional_scores_are_refused(spec):
    threshold = make_threshold(spec).fit(np.arange(1000.0))
    with pytest.raises(DataError, match="`scores` must be finite; position 2 is nan"):
        threshold.thresholds(np.array([1.0, 2.0, np.nan]))
    with pytest.raises(DataError, match="`scores` must be 1-D"):
        threshold.flag(np.ones((3, 2)))
    with pytest.raises(DataError, match="`train_scores` is empty"):
        make_threshold(spec).fit(np.array([]))
