"""DBSCAN: automatic eps and distance-to-core scores."""

from __future__ import annotations

import numpy as np
import pytest

from anomalia.detectors.clustering import DBSCANDetector
from anomalia.exceptions import DataError


def test_automatic_eps_follows_the_k_distance_quantile(clean_series):
    loose = DBSCANDetector(eps_quantile=0.95).fit(clean_series)
    tight = DBSCANDetector(eps_quantile=0.5).fit(clean_series)
    assert 0 < tight.eps_ < loose.eps_
    # Inside the dense region (most of a clean series) scores stay below 1.
    scores = loose.score(clean_series)[loose.warmup_ :]
    assert np.median(scores) < 1.0


def test_explicit_eps_is_used_as_given(clean_series, spiky_series):
    detector = DBSCANDetector(eps=3.0).fit(clean_series)
    assert detector.eps_ == 3.0
    scores = detector.score(spiky_series.values)
    assert scores[spiky_series.anomalies[0]] > 1.0


def test_eps_too_small_for_any_core_sample_is_explained(clean_series):
    with pytest.raises(DataError, match="no training row has 10 neighbours within eps=1e-06"):
        DBSCANDetector(eps=1e-6).fit(clean_series)
