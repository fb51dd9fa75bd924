"""``auto``: the candidate that ranks injected spikes best, chosen without labels."""

from __future__ import annotations

import numpy as np
import pytest

from anomalia.detectors.auto import AutoDetector
from anomalia.detectors.registry import make_detector
from anomalia.exceptions import ConfigError


def test_the_choice_and_its_reason_are_reported_and_scores_are_the_chosen_ones():
    rng = np.random.default_rng(0)
    values = np.sin(np.arange(1200) / 20) + 0.1 * rng.normal(size=1200)
    detector = AutoDetector(candidates=("zscore", "mad"), random_state=0).fit(values[:900])
    assert set(detector.criterion_) == {"zscore", "mad"}
    assert detector.chosen_ == max(detector.criterion_, key=detector.criterion_.get)
    assert detector.explain()["chosen"] == detector.chosen_
    # Spikes of 4 robust deviations on a smooth series: a rolling detector ranks them well.
    assert detector.criterion_[detector.chosen_] > 0.9
    alone = make_detector(detector.chosen_).fit(values[:900])
    np.testing.assert_array_equal(detector.score(values), alone.score(values))


@pytest.mark.parametrize(
    ("candidates", "message"),
    [((), "must name at least one"), (("auto",), "cannot hold `auto`"),
     (("random_forest",), "needs labels")],
)  # fmt: skip
def test_bad_candidates_are_named(candidates, message):
    with pytest.raises(ConfigError, match=message):
        AutoDetector(candidates=candidates).fit(np.arange(500.0))
