"""Isolation forest: features are standardised on the training data."""

from __future__ import annotations

import numpy as np

from anomalia.detectors.isolation import IsolationForestDetector


def test_scores_do_not_depend_on_the_units_of_the_series(train_series, spiky_series):
    detector = IsolationForestDetector(random_state=0).fit(train_series.values)
    in_other_units = IsolationForestDetector(random_state=0).fit(
        1000.0 * train_series.values - 40.0
    )
    np.testing.assert_allclose(
        in_other_units.score(1000.0 * spiky_series.values - 40.0),
        detector.score(spiky_series.values),
        atol=1e-9,
    )


def test_spectral_features_can_be_switched_on(train_series, spiky_series):
    detector = IsolationForestDetector(fft_window=16, random_state=0).fit(train_series.values)
    assert any("_fft" in name for name in detector.feature_names_)
    scores = detector.score(spiky_series.values)
    assert scores[spiky_series.anomalies[0]] >= np.quantile(scores, 0.99)
