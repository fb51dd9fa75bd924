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
    assert 0.5 < detector.criterion_[detector.chosen_] <= 1.0
    alone = make_detector(detector.chosen_).fit(values[:900])
    np.testing.assert_array_equal(detector.score(values), alone.score(values))


def test_a_detector_of_state_loses_to_one_of_change():
    # pca on one column scores the distance from the training distribution: after a
    # level shift it keeps alarming on the new level; novelty alarms at the onset.
    rng = np.random.default_rng(2)
    values = np.sin(np.arange(1500) / 15) + 0.1 * rng.normal(size=1500)
    detector = AutoDetector(candidates=("pca", "novelty"), random_state=0).fit(values)
    assert detector.chosen_ == "novelty"
    assert detector.criterion_["novelty"] > detector.criterion_["pca"] + 0.1


@pytest.mark.parametrize(
    ("candidates", "message"),
    [((), "must name at least one"), (("auto",), "cannot hold `auto`"),
     (("random_forest",), "needs labels")],
)  # fmt: skip
def test_bad_candidates_are_named(candidates, message):
    with pytest.raises(ConfigError, match=message):
        AutoDetector(candidates=candidates).fit(np.arange(500.0))
