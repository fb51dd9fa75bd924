"""PCA T² + Q: one score for the system, split exactly into per-column contributions."""

from __future__ import annotations

import numpy as np
import pytest

from anomalia.detectors.multivariate import PcaDetector
from anomalia.detectors.registry import make_detector
from anomalia.exceptions import ConfigError, DataError


def _sensors(n: int = 1500, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    load = np.sin(np.arange(n) / 30) + 0.3 * rng.normal(size=n)
    gains = np.array([1.0, 2.0, -1.5, 0.5])
    return load[:, None] * gains + 0.05 * rng.normal(size=(n, 4))


def test_a_sensor_breaking_ranks_within_its_range_is_found_and_blamed():
    values = _sensors()
    broken = values.copy()
    rows = slice(1356, 1376)  # the load near its daily peak
    broken[rows, 2] = 0.0  # sensor 2 stops following the load, inside its usual range
    assert values[:1000, 2].min() < 0.0 < values[:1000, 2].max()
    detector = PcaDetector().fit(values[:1000])
    scores = detector.score(broken)
    assert np.median(scores[rows]) > scores[:1000].max()
    contributions = detector.contributions(broken)
    assert int(np.argmax(contributions[rows].sum(axis=0))) == 2
    # Column by column the same rows look ordinary: no z-score beyond the usual.
    zscore = make_detector("zscore", window=200).fit(values[:1000])
    column_scores = zscore.score(broken)
    assert np.median(column_scores[rows]) < np.quantile(column_scores[200:1000], 0.99)


def test_contributions_are_non_negative_and_sum_to_the_score():
    values = _sensors(seed=1)
    detector = PcaDetector(variance=0.8).fit(values[:800])
    contributions = detector.contributions(values)
    assert contributions.shape == values.shape
    assert (contributions >= 0).all()
    np.testing.assert_allclose(contributions.sum(axis=1), detector.score(values), rtol=1e-10)


def test_fitted_state_is_plain_arrays_and_numbers():
    detector = PcaDetector().fit(_sensors())
    state = {key: value for key, value in vars(detector).items() if key.endswith("_")}
    assert all(isinstance(value, (np.ndarray, float, int, str)) for value in state.values())
    assert detector.components_.shape[1] == 4 and detector.root_.shape == (4, 4)


def test_bad_variance_and_column_count_are_named():
    with pytest.raises(ConfigError, match="`variance`"):
        PcaDetector(variance=1.5).fit(_sensors())
    detector = PcaDetector().fit(_sensors())
    with pytest.raises(DataError, match="expected 4 value column"):
        detector.contributions(np.zeros((5, 3)))
