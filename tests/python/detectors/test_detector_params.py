"""Each detector checks its own parameters and says what it expected."""

from __future__ import annotations

import re

import pytest

from anomalia.detectors.registry import make_detector
from anomalia.exceptions import ConfigError

CASES = [
    ("zscore", {"window": 1}, "`window` must be an integer >= 2, got 1"),
    ("arima", {"order": (1, 2)}, "`order` must be three integers >= 0 (p, d, q), got (1, 2)"),
    ("arima", {"max_train": 10}, "`max_train` must be an integer >= 16, got 10"),
    ("iforest", {"n_estimators": 0}, "`n_estimators` must be an integer >= 1, got 0"),
    ("iforest", {"max_samples": 1.5}, "`max_samples` must be 'auto', an integer >= 2"),
    ("iforest", {"windows": (1, 10)}, "`windows` must be a sequence of integers, each >= 2"),
    ("iforest", {"fft_window": 2}, "`fft_window` must be an integer >= 4, got 2"),
    ("iforest", {"season": 1}, "`season` must be 'auto', None or an integer >= 2, got 1"),
    ("iforest", {"season": "daily"}, "`season` must be 'auto', None or an integer >= 2"),
    ("iforest", {"feature_set": "raw"}, "`feature_set` must be one of 'context', 'level', 'both'"),
    (
        "iforest",
        {"windows": ()},
        "`windows` must hold at least one window for feature_set='context'",
    ),
    ("ocsvm", {"nu": 0.0}, "`nu` must be a number in (0, 1], got 0.0"),
    ("ocsvm", {"gamma": "wide"}, "`gamma` must be 'scale', 'auto' or a positive number"),
    ("lof", {"n_neighbors": 0}, "`n_neighbors` must be an integer >= 1, got 0"),
    ("lof", {"max_train": 5}, "`max_train` must be an integer >= 21, got 5"),
    ("dbscan", {"eps": -1.0}, "`eps` must be a number in (0, inf), got -1.0"),
    ("dbscan", {"min_points": 1}, "`min_points` must be an integer >= 2, got 1"),
    ("dbscan", {"eps_quantile": 0}, "`eps_quantile` must be a number in (0, 1], got 0"),
    ("random_forest", {"max_depth": 0}, "`max_depth` must be an integer >= 1, got 0"),
    ("random_forest", {"class_weight": "even"}, "`class_weight` must be one of None"),
    ("lstm_ae", {"units": 0}, "`units` must be an integer >= 1, got 0"),
    ("lstm_ae", {"validation_fraction": 0.0}, "`validation_fraction` must be a number in (0, 0.5]"),
    ("lstm_forecast", {"epochs": 0}, "`epochs` must be an integer >= 1, got 0"),
    ("lstm_attention", {"random_state": -1}, "`random_state` must be an integer >= 0, got -1"),
    ("conv_ae", {"window": 30}, "`window` must be a multiple of 4 (2 stride-2 convolutions)"),
    ("vae", {"kl_weight": -1.0}, "`kl_weight` must be a number in [0, 100], got -1.0"),
]


@pytest.mark.parametrize(("name", "params", "message"), CASES)
def test_bad_parameter_is_named_with_the_value(name, params, message, train_series):
    detector = make_detector(name, **params)
    with pytest.raises(ConfigError, match=re.escape(message)):
        detector.fit(train_series.values, train_series.labels)
