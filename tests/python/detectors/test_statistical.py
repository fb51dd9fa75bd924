"""RobustMAD: warm-up rows are quiet and scores equal the hand-computed robust z."""

from __future__ import annotations

import warnings

import numpy as np

from anomalia.detectors.statistical import RobustMAD


def test_robust_mad_warns_nothing_on_short_history(clean_series):
    detector = RobustMAD(window=20)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        detector.fit(clean_series)
        scores = detector.score(clean_series[:30])
    assert np.isfinite(scores).all()
    # Fewer than window // 2 past points: no reference yet.
    assert (scores[:10] == 0.0).all()


def test_robust_mad_equals_hand_computed_score(spiky_series):
    window = 20
    values = spiky_series.values
    detector = RobustMAD(window=window).fit(values)
    scores = detector.score(values)
    for row in (10, 13, 19, 20, 21, 500, 700):
        past = values[max(0, row - window) : row]
        median = np.median(past)
        scale = max(1.4826 * np.median(np.abs(past - median)), detector.scale_floor_[0])
        assert np.isclose(scores[row], abs(values[row] - median) / scale)
    assert int(np.argmax(scores[window:])) + window == spiky_series.anomalies[0]
