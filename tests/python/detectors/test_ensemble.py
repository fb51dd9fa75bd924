"""Ensembles: normalisation, each combination, stacking on labels, persistence of members."""

from __future__ import annotations

import numpy as np
import pytest

from anomalia.detectors.base import BaseDetector
from anomalia.detectors.ensemble import EnsembleDetector, StackedEnsemble, parse_members
from anomalia.exceptions import ConfigError, DataError

MEMBERS = [{"name": "zscore", "params": {"window": 30}}, ["mad", {"window": 30}]]


@pytest.mark.parametrize("combination", ["mean", "max", "vote"])
@pytest.mark.parametrize("normalisation", ["rank", "robust_z"])
def test_each_combination_finds_a_spike_both_members_see(
    combination, normalisation, train_series, spiky_series
):
    detector = EnsembleDetector(
        members=MEMBERS, combination=combination, normalisation=normalisation
    ).fit(train_series.values)
    scores = detector.score(spiky_series.values)
    assert int(np.argmax(scores)) == spiky_series.anomalies[0]
    limit = np.quantile(detector.calibration_scores(train_series.values), 0.99)
    assert detector.predict(spiky_series.values, limit)[spiky_series.anomalies[0]] == 1


def test_mean_and_max_are_the_mean_and_max_of_the_robust_z_scores(train_series, spiky_series):
    mean = EnsembleDetector(members=MEMBERS, combination="mean").fit(train_series.values)
    maximum = EnsembleDetector(members=MEMBERS, combination="max").fit(train_series.values)
    values = spiky_series.values
    normalised = np.column_stack(
        [
            (member.score(values) - center) / scale
            for member, center, scale in zip(mean.members_, mean.center_, mean.scale_, strict=True)
        ]
    )
    np.testing.assert_allclose(mean.score(values), normalised.mean(axis=1))
    np.testing.assert_allclose(maximum.score(values), normalised.max(axis=1))


def test_weighted_vote_counts_members_above_their_threshold(train_series, spiky_series):
    detector = EnsembleDetector(members=MEMBERS, combination="vote", weights=[3, 1]).fit(
        train_series.values
    )
    values = spiky_series.values
    votes = np.column_stack([m.calibrate(m.score(values)) > 0.99 for m in detector.members_])
    share = votes @ np.array([0.75, 0.25])
    scores = detector.score(values)
    # The tie-break stays below the smallest weight's step, so the share orders the scores.
    np.testing.assert_array_equal(np.floor(scores * 8) / 8, np.floor(share * 8) / 8)
    assert scores[votes[:, 0] == 1].min() > scores[votes.sum(axis=1) == 0].max()


def test_a_zero_weight_member_is_ignored_by_max(train_series, spiky_series):
    only_first = EnsembleDetector(members=MEMBERS, combination="max", weights=[1, 0])
    alone = EnsembleDetector(members=MEMBERS[:1], combination="max")
    values = spiky_series.values
    np.testing.assert_allclose(
        only_first.fit(train_series.values).score(values),
        alone.fit(train_series.values).score(values),
    )


def test_stacking_learns_from_labels_and_needs_them(train_series, spiky_series):
    detector = StackedEnsemble(members=MEMBERS)
    assert detector.requires_labels
    with pytest.raises(DataError, match="needs labels"):
        detector.fit(train_series.values)
    detector.fit(train_series.values, train_series.labels)
    assert int(np.argmax(detector.score(spiky_series.values))) == spiky_series.anomalies[0]
    # The regression weighs each member's normalised score positively: both see spikes.
    assert (detector.combiner_.coef_ > 0).all()
    with pytest.raises(DataError, match="only 0s"):
        StackedEnsemble(members=MEMBERS).fit(train_series.values, np.zeros(1200, dtype=int))


def test_save_and_load_rebuild_the_members(train_series, spiky_series, tmp_path):
    detector = EnsembleDetector(members=["zscore", "novelty"]).fit(train_series.values)
    loaded = BaseDetector.load(detector.save(tmp_path / "model"))
    assert [type(m) for m in loaded.members_] == [type(m) for m in detector.members_]
    np.testing.assert_array_equal(
        loaded.score(spiky_series.values), detector.score(spiky_series.values)
    )


def test_an_ensemble_is_causal_only_when_its_members_are(monkeypatch):
    from anomalia.detectors.statistical import RobustMAD

    assert EnsembleDetector(members=MEMBERS).causal
    monkeypatch.setattr(RobustMAD, "causal", False)
    assert not EnsembleDetector(members=MEMBERS).causal


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"members": "zscore"}, "list of detector specs"),
        ({"members": []}, "at least one detector"),
        ({"members": [{"detector": "zscore"}]}, "each of `members`"),
        ({"members": ["nonesuch"]}, "unknown detector `nonesuch`"),
        ({"combination": "median"}, "`combination` must be one of"),
        ({"normalisation": "minmax"}, "`normalisation` must be one of"),
        ({"weights": [1]}, "2 non-negative numbers"),
        ({"weights": [0, 0]}, "must not all be zero"),
    ],
)
def test_bad_parameters_name_the_problem(params, message, train_series):
    detector = EnsembleDetector(**{"members": MEMBERS, **params})
    with pytest.raises(ConfigError, match=message):
        detector.fit(train_series.values)


def test_member_specs_accept_names_mappings_and_pairs():
    assert parse_members(["zscore", {"name": "mad"}, ["lof", {"n_neighbors": 5}]]) == [
        ("zscore", {}),
        ("mad", {}),
        ("lof", {"n_neighbors": 5}),
    ]
