"""The conformance test every registered detector must pass, plus multivariate input."""

from __future__ import annotations

import json

import numpy as np
import pytest

import anomalia
from anomalia.detectors.base import BaseDetector, fingerprint
from anomalia.detectors.registry import DETECTORS, make_detector
from anomalia.exceptions import DataError, NotFittedError

NAMES = sorted(DETECTORS)


def build(name: str) -> BaseDetector:
    detector = make_detector(name)
    # Detectors that train for long (deep ones) name small parameters for quick tests.
    detector.set_params(**getattr(type(detector), "test_params", {}))
    if "random_state" in detector.get_params():
        detector.set_params(random_state=0)
    return detector


def fit(detector: BaseDetector, values: np.ndarray, labels: np.ndarray) -> BaseDetector:
    return detector.fit(values, labels if detector.requires_labels else None)


@pytest.mark.parametrize("name", NAMES)
def test_detector_conformance(name, train_series, spiky_series, tmp_path):
    detector = build(name)
    test_values = spiky_series.values
    spike = spiky_series.anomalies[0]

    # Unfitted use raises.
    for verb in (detector.score, lambda values: detector.predict(values, 1.0)):
        with pytest.raises(NotFittedError, match="call fit first"):
            verb(test_values)

    # fit returns self; one finite score per timestamp; higher = more anomalous.
    assert fit(detector, train_series.values, train_series.labels) is detector
    scores = detector.score(test_values)
    assert scores.shape == (len(test_values),)
    assert np.isfinite(scores).all()
    assert scores[spike] > np.median(scores)
    assert scores[spike] >= np.quantile(scores, 0.99)
    labels = train_series.labels if detector.requires_labels else None
    limit = np.quantile(detector.calibration_scores(train_series.values, labels), 0.99)
    flags = detector.predict(test_values, limit)
    assert set(np.unique(flags)) <= {0, 1}
    assert flags[spike] == 1

    # A fixed random_state gives identical scores across fits.
    refit = fit(build(name), train_series.values, train_series.labels)
    np.testing.assert_array_equal(refit.score(test_values), scores)

    # save/load gives identical scores; config.json describes the model.
    path = detector.save(tmp_path / "model")
    config = json.loads((path / "config.json").read_text())
    assert config["detector"] == name
    assert config["params"] == json.loads(json.dumps(detector.get_params(), default=str))
    assert config["anomalia_version"] == anomalia.__version__
    assert config["train_fingerprint"] == fingerprint(train_series.values.reshape(-1, 1))
    loaded = BaseDetector.load(path)
    assert type(loaded) is type(detector)
    np.testing.assert_array_equal(loaded.score(test_values), scores)
    # The detector keeps no threshold of its own: the model's threshold is the one rule.
    assert "threshold" not in config and not hasattr(detector, "threshold_")

    # get_params / set_params / clone round-trip.
    params = detector.get_params()
    twin = detector.clone()
    assert twin.get_params() == params
    assert not hasattr(twin, "n_features_in_")
    assert "contamination" not in params
    some = next(iter(params))
    assert twin.set_params(**{some: params[some]}) is twin
    assert detector.get_params() == params
    with pytest.raises(ValueError, match="no parameter `bogus`"):
        twin.set_params(bogus=1)

    # A series shorter than the minimum is refused, naming the minimum.
    minimum = detector.min_samples()
    with pytest.raises(DataError, match=f"needs at least {minimum}"):
        fit(build(name), train_series.values[: minimum - 1], train_series.labels[: minimum - 1])

    # Missing values are refused, in fit and in score.
    broken = test_values.copy()
    broken[5] = np.nan
    with pytest.raises(DataError, match="NaN"):
        detector.score(broken)
    with pytest.raises(DataError, match="NaN"):
        fit(build(name), broken, spiky_series.labels)


@pytest.mark.parametrize("name", NAMES)
def test_spike_in_one_column_of_three_is_found(name, multivariate_train, multivariate_spiky):
    detector = fit(build(name), multivariate_train.values, multivariate_train.labels)
    scores = detector.score(multivariate_spiky.values)
    spike = multivariate_spiky.anomalies[0]
    assert scores.shape == (len(multivariate_spiky.values),)
    assert np.isfinite(scores).all()
    assert scores[spike] >= np.quantile(scores, 0.99)
    # The spike and the row after it (whose lag and difference hold the spike)
    # form one event; the event must be flagged.
    labels = multivariate_train.labels if detector.requires_labels else None
    limit = np.quantile(detector.calibration_scores(multivariate_train.values, labels), 0.99)
    assert detector.predict(multivariate_spiky.values, limit)[spike : spike + 2].any()
