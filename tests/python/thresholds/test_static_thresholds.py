from __future__ import annotations

import numpy as np
import pytest

from anomalia.thresholds import QuantileThreshold, StaticThreshold


def test_static_flags_scores_strictly_above_the_value_without_fitting():
    threshold = StaticThreshold(value=3.0)
    np.testing.assert_array_equal(threshold.flag([2.9, 3.0, 3.1]), [0, 0, 1])
    np.testing.assert_array_equal(threshold.thresholds([0.0, 10.0]), [3.0, 3.0])
    assert threshold.fit([100.0, 200.0]).threshold_ == 3.0


@pytest.mark.parametrize("contamination", [0.01, 0.05, 0.2])
def test_quantile_flags_about_the_contamination_share_of_new_scores(rng, contamination):
    train, held_out = rng.gamma(2.0, size=20_000), rng.gamma(2.0, size=20_000)
    threshold = QuantileThreshold(contamination=contamination).fit(train)
    share = threshold.flag(held_out).mean()
    assert share == pytest.approx(contamination, rel=0.15)


def test_quantile_threshold_is_the_training_quantile():
    threshold = QuantileThreshold(contamination=0.25).fit(np.arange(101.0))
    assert threshold.threshold_ == 75.0
    np.testing.assert_array_equal(threshold.flag([75.0, 75.5]), [0, 1])
