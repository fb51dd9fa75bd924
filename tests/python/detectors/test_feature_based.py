"""What the feature-based detectors share: warm-up, calibration, subsampling."""

from __future__ import annotations

import numpy as np
import pytest

from anomalia.detectors.feature_based import subsample_rows
from anomalia.detectors.registry import make_detector

FEATURE_DETECTORS = ["iforest", "ocsvm", "lof", "dbscan"]


@pytest.mark.parametrize("name", FEATURE_DETECTORS)
def test_rows_without_full_history_score_zero(name, train_series, spiky_series):
    detector = make_detector(name, random_state=0, windows=(10, 30)).fit(train_series.values)
    assert detector.warmup_ == 29
    scores = detector.score(spiky_series.values)
    assert (scores[:29] == 0).all()
    assert (detector.score(spiky_series.values[:20]) == 0).all()


@pytest.mark.parametrize("name", ["ocsvm", "lof", "dbscan"])
def test_threshold_holds_on_new_data_from_the_same_process(name, train_series, clean_series):
    # Scored on their own training rows these models look far too normal;
    # cross-fitted calibration keeps the flag rate on fresh data near 1%.
    detector = make_detector(name, random_state=0).fit(train_series.values)
    assert detector.predict(clean_series).mean() <= 0.025


def test_subsample_rows_keeps_time_order_and_repeats_with_a_seed():
    matrix = np.arange(100.0).reshape(50, 2)
    sample = subsample_rows(matrix, 10, random_state=3)
    assert sample.shape == (10, 2)
    assert (np.diff(sample[:, 0]) > 0).all()
    np.testing.assert_array_equal(sample, subsample_rows(matrix, 10, random_state=3))
    assert subsample_rows(matrix, 80, random_state=3) is matrix
