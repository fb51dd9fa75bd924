"""The one parameter checker: names, types and ranges of detector and threshold specs, no data."""

from __future__ import annotations

import re

import pytest

from anomalia.detectors.params import (
    CONTAMINATION,
    check_detector_params,
    check_threshold_spec,
    parameter_constraints,
    parameter_table,
)
from anomalia.detectors.registry import (
    DETECTORS,
    available_detectors,
    get_detector_class,
    make_detector,
)
from anomalia.detectors.signature import _read_parameters, constructor_parameters
from anomalia.exceptions import ConfigError
from anomalia.thresholds.registry import make_threshold


@pytest.mark.parametrize("name", available_detectors())
def test_every_default_is_allowed_and_every_parameter_is_listed(name):
    defaults = make_detector(name).get_params()
    check_detector_params(name, defaults)
    table = parameter_table(name)
    assert [row[0] for row in table] == list(defaults)
    assert all(allowed for _, _, allowed in table)


# The same messages as the detectors give when fitted (tests/python/detectors/
# test_detector_params.py), now before any data is read.
CASES = [
    ("zscore", {"window": 1}, "`window` must be an integer >= 2, got 1"),
    ("zscore", {"window": "abc"}, "`window` must be an integer >= 2, got 'abc'"),
    ("zscore", {"window": 24.0}, "`window` must be an integer >= 2, got 24.0"),
    ("arima", {"order": (1, 2)}, "`order` must be three integers >= 0, got (1, 2)"),
    ("iforest", {"n_estimators": 0}, "`n_estimators` must be an integer >= 1, got 0"),
    ("iforest", {"max_samples": 1.5}, "`max_samples` must be 'auto', an integer >= 2"),
    ("iforest", {"windows": (1, 10)}, "`windows` must be a sequence of integers, each >= 2"),
    ("iforest", {"fft_window": 2}, "`fft_window` must be an integer >= 4 or None, got 2"),
    ("iforest", {"season": 1}, "`season` must be 'auto', None or an integer >= 2, got 1"),
    ("iforest", {"feature_set": "raw"}, "`feature_set` must be one of 'context', 'level', 'both'"),
    ("ocsvm", {"nu": 0.0}, "`nu` must be a number in (0, 1], got 0.0"),
    ("ocsvm", {"gamma": "wide"}, "`gamma` must be 'scale', 'auto' or a number in (0, inf)"),
    ("lof", {"n_neighbors": 0}, "`n_neighbors` must be an integer >= 1, got 0"),
    ("dbscan", {"eps": -1.0}, "`eps` must be a number in (0, inf) or None, got -1.0"),
    ("dbscan", {"min_points": 1}, "`min_points` must be an integer >= 2, got 1"),
    ("random_forest", {"max_depth": 0}, "`max_depth` must be an integer >= 1 or None, got 0"),
    ("random_forest", {"class_weight": "even"}, "`class_weight` must be one of None"),
    ("novelty", {"windows": (0,)}, "`windows` must be a sequence of integers, each >= 1"),
    ("lstm_ae", {"units": 0}, "`units` must be an integer >= 1, got 0"),
    ("lstm_ae", {"validation_fraction": 0.0}, "`validation_fraction` must be a number in (0, 0.5]"),
    ("lstm_attention", {"random_state": -1}, "`random_state` must be an integer >= 0 or None"),
    ("conv_ae", {"window": 1}, "`window` must be an integer >= 2, got 1"),
    ("vae", {"kl_weight": -1.0}, "`kl_weight` must be a number in [0, 100], got -1.0"),
    ("sarima", {"stepwise": "yes"}, "`stepwise` must be true or false, got 'yes'"),
    ("stl", {"seasonal_window": "weekly"}, "`seasonal_window` must be 'periodic' or an integer"),
]


@pytest.mark.parametrize(("name", "params", "message"), CASES)
def test_bad_values_are_refused_with_the_expectation(name, params, message):
    with pytest.raises(ConfigError, match=re.escape(f"detector `{name}`: {message}")):
        check_detector_params(name, params)


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("iforest", {"n_trees": 5}, "no parameter `n_trees` (did you mean `n_estimators`?)"),
        ("zscore", {"windw": 5}, "no parameter `windw` (did you mean `window`?)"),
        ("lof", {"k": 5}, "no parameter `k` (did you mean `n_neighbors`?)"),
        ("mad", {"zzz": 5}, "no parameter `zzz`; valid parameters: window"),
    ],
)
def test_unknown_names_get_a_suggestion(name, params, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        check_detector_params(name, params)


def test_unknown_detector_gets_a_suggestion():
    with pytest.raises(
        ConfigError, match=re.escape("`isolation_forest` (did you mean `iforest`?); choose one of")
    ):
        check_detector_params("isolation_forest", {})
    with pytest.raises(
        ConfigError, match=re.escape("`randomforest` (did you mean `random_forest`?)")
    ):
        get_detector_class("randomforest")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"method": "quantle"}, "unknown threshold method `quantle` (did you mean `quantile`?)"),
        ({"method": "pot", "rsk": 0.1}, "`pot` has no parameter `rsk` (did you mean `risk`?)"),
        ({"method": "quantile", "contamination": 0.5}, "must be a number in (0, 0.5), got 0.5"),
        ({"method": "pot", "risk": 0.5}, "`risk` (0.5) must be below 1 - initial_quantile"),
        ({"risk": 0.1}, "a threshold spec must be a method name or a mapping with a `method`"),
    ],
)
def test_threshold_specs_are_checked_without_scores(spec, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        check_threshold_spec(spec)


def test_contamination_is_the_thresholds_alone_with_one_allowed_range():
    assert CONTAMINATION.describe() == "a number in (0, 0.5)"
    # Detectors keep no threshold of their own: contamination is the quantile threshold's.
    for name in available_detectors():
        assert "contamination" not in parameter_constraints(get_detector_class(name), name)
    with pytest.raises(ConfigError, match="no parameter `contamination`"):
        check_detector_params("zscore", {"contamination": 0.05})
    for value in (0.0, 0.5, 0.7):
        with pytest.raises(ConfigError, match=re.escape("`contamination` must be a number in")):
            check_threshold_spec({"method": "quantile", "contamination": value})
    check_threshold_spec({"method": "quantile", "contamination": 0.49})
    make_threshold({"method": "quantile", "contamination": 0.49})


def test_declared_constraints_on_a_class_win(monkeypatch):
    detector_class = get_detector_class("zscore")
    monkeypatch.setattr(detector_class, "_parameter_constraints", {"window": []}, raising=False)
    check_detector_params("zscore", {"window": "anything"})


@pytest.mark.parametrize("name", available_detectors())
def test_parameters_read_from_the_source_match_the_imported_class(name):
    # Config checks read constructors from source, so a typo does not wait for
    # scikit-learn or TensorFlow to import; they must agree with the class.
    assert _read_parameters(DETECTORS[name]) == constructor_parameters(get_detector_class(name))
