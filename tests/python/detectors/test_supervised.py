"""Random forest: labels are required and must hold both classes."""

from __future__ import annotations

import numpy as np
import pytest

from anomalia.detectors.supervised import RandomForestDetector
from anomalia.exceptions import DataError


def test_labels_are_required(train_series):
    with pytest.raises(DataError, match="supervised and needs labels"):
        RandomForestDetector().fit(train_series.values)


def test_labels_without_an_anomaly_are_refused(train_series):
    no_anomaly = np.zeros_like(train_series.labels)
    with pytest.raises(DataError, match=r"labels contain no anomaly \(1\)"):
        RandomForestDetector().fit(train_series.values, no_anomaly)


def test_anomalies_only_in_the_warm_up_are_refused(train_series):
    early = np.zeros_like(train_series.labels)
    early[10] = 1
    # The default windows reach back 288 points.
    with pytest.raises(DataError, match="no anomaly .* after the first 288 points"):
        RandomForestDetector().fit(train_series.values, early)


def test_labels_without_a_normal_point_are_refused(train_series):
    with pytest.raises(DataError, match=r"no normal point \(0\)"):
        RandomForestDetector().fit(train_series.values, np.ones_like(train_series.labels))


def test_threshold_from_out_of_bag_scores_keeps_flags_rare(train_series, clean_series):
    detector = RandomForestDetector(random_state=0).fit(train_series.values, train_series.labels)
    limit = np.quantile(detector.calibration_scores(train_series.values, train_series.labels), 0.99)
    assert detector.predict(clean_series, limit).mean() <= 0.01
