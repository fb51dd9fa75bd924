"""``auto``: the candidate finding most injected anomalies without a false alarm, no labels."""

from __future__ import annotations

import numpy as np
import pytest

from anomalia.detectors.auto import AutoDetector
from anomalia.detectors.registry import make_detector
from anomalia.engine import advance, start
from anomalia.exceptions import ConfigError
from anomalia.postprocess.onset import keep_onsets
from anomalia.synthetic.multivariate import generate_multivariate
from anomalia.thresholds import make_threshold


def _sine(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.sin(np.arange(n) / 20) + 0.1 * rng.normal(size=n)


def test_the_choice_and_its_reason_are_reported_and_scores_are_the_chosen_ones():
    values = _sine(1200, 0)
    detector = AutoDetector(candidates=("zscore", "mad"), margin=0.0, random_state=0)
    detector.fit(values[:900])
    assert set(detector.criterion_) == {"zscore", "mad"}
    assert detector.chosen_ == max(detector.criterion_, key=detector.criterion_.get)
    explained = detector.explain()
    assert explained["chosen"] == detector.chosen_
    assert explained["found without a false alarm"] == detector.criterion_
    assert all(0.0 <= value <= 1.0 for value in detector.criterion_.values())
    # A state detector keeps onsets only, in the reference's unit (the first candidate).
    alone = make_detector(detector.chosen_).fit(values[:900])
    rows = int(900 / 3)
    expected = detector.unit_ * keep_onsets(alone.score(values), rows)
    np.testing.assert_allclose(detector.score(values), expected)
    assert detector.unit_ == 1.0 if detector.chosen_ == "zscore" else detector.unit_ > 0


def test_the_reference_keeps_its_place_unless_another_finds_clearly_more():
    values = _sine(1200, 1)
    # A margin of 1 can never be beaten: the reference (first candidate) stays.
    kept = AutoDetector(candidates=("mad", "zscore"), margin=1.0, random_state=0).fit(values)
    assert kept.chosen_ == "mad" and kept.unit_ == 1.0
    free = AutoDetector(candidates=("mad", "zscore"), margin=0.0, random_state=0).fit(values)
    lead = free.criterion_["zscore"] - free.criterion_["mad"]
    assert free.chosen_ == ("zscore" if lead > 0 else "mad")


def test_a_detector_of_state_loses_to_one_of_change():
    # pca on one column scores the distance from the training distribution: after a
    # level shift it keeps alarming on the new level; novelty alarms at the onset.
    values = _sine(1500, 2)
    detector = AutoDetector(candidates=("pca", "novelty"), margin=0.0, random_state=0)
    detector.fit(values)
    assert detector.chosen_ == "novelty"
    assert detector.criterion_["novelty"] > detector.criterion_["pca"] + 0.1


def test_several_columns_also_get_decouplings_that_stay_in_range():
    data = generate_multivariate(n_systems=1, length=2304, n_sensors=4, seed=0)
    held_out = data.values[0][:600]
    detector = AutoDetector(n_injected=5, random_state=0)
    copies = detector._injected(held_out)
    assert len(copies) == 3 * 5  # level shifts, spikes, decouplings
    assert len(detector._injected(held_out[:, :1])) == 2 * 5
    for row, copy in copies[10:]:
        changed = np.flatnonzero((copy != held_out).any(axis=0))
        assert len(changed) == 1  # one sensor out of step with the others
        column = copy[row:, changed[0]]
        assert column.min() >= held_out[:, changed[0]].min()
        assert column.max() <= held_out[:, changed[0]].max()


def test_novelty_picked_streams_with_its_own_state_and_matches_the_whole_series():
    values = _sine(900, 3)
    values[700] += 3.0
    detector = AutoDetector(candidates=("novelty",), random_state=0).fit(values[:600])
    assert detector.chosen_ == "novelty" and detector.onset_rows_ == 0
    assert detector.stream_start() is not None
    alone = make_detector("novelty").fit(values[:600])
    np.testing.assert_allclose(detector.score(values), alone.score(values))
    assert int(np.argmax(detector.score(values))) == 700


@pytest.mark.parametrize("candidates", [("novelty",), ("zscore",)])
def test_scored_in_pieces_through_the_engine_equals_scored_whole(candidates):
    from types import SimpleNamespace

    values = _sine(900, 4)
    values[750] -= 2.5
    detector = AutoDetector(candidates=candidates, random_state=0).fit(values[:500])
    threshold = make_threshold({"method": "quantile", "contamination": 0.01})
    threshold.fit(detector.calibration_scores(values[:500]))
    model = SimpleNamespace(detector=detector, threshold=threshold, scaler=None, fingerprint="f")
    whole, _ = advance(model, start(model), values)
    state, parts = start(model), []
    for first in range(0, len(values), 37):
        answers, state = advance(model, state, values[first : first + 37])
        parts.append(answers.score)
    np.testing.assert_allclose(np.concatenate(parts), whole.score, atol=1e-12)
    np.testing.assert_allclose(whole.score, detector.score(values), atol=1e-12)


@pytest.mark.parametrize(
    ("candidates", "message"),
    [((), "must name at least one"), (("auto",), "cannot hold `auto`"),
     (("random_forest",), "needs labels")],
)  # fmt: skip
def test_bad_candidates_are_named(candidates, message):
    with pytest.raises(ConfigError, match=message):
        AutoDetector(candidates=candidates).fit(np.arange(500.0))


def test_a_margin_outside_zero_to_one_is_refused():
    with pytest.raises(ConfigError, match="`margin`"):
        AutoDetector(margin=2.0).fit(_sine(600, 5))
