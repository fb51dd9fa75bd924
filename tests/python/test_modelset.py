"""ModelSet: per-series and pooled fitting, one score per input row, save/load."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomalia.exceptions import DataError, NotFittedError
from anomalia.modelset import ModelSet
from anomalia.synthetic import generate


@pytest.fixture(scope="module")
def observations() -> pd.DataFrame:
    return generate(n_series=3, length=1200, seed=5).observations


def test_unsupervised_detectors_are_fitted_per_series(observations):
    model_set = ModelSet("zscore", {"window": 24}).fit(observations, train_fraction=0.5)
    members = list(model_set.members_.values())
    assert not model_set.pooled_
    assert len({id(m.detector) for m in members}) == 3
    assert all(m.n_train == 600 for m in members)


def test_one_score_per_input_row_even_with_gaps(observations):
    model_set = ModelSet("mad", {"window": 24}).fit(observations, train_fraction=0.5)
    gappy = observations.drop(index=observations.index[100:140]).reset_index(drop=True)
    scores = model_set.score(gappy, progress=False)
    assert len(scores) == len(gappy)
    assert (scores["timestamp"].to_numpy() == gappy["timestamp"].to_numpy()).all()
    assert (scores["is_anomaly"] == (scores["score"] > scores["threshold"])).all()


def test_supervised_detector_is_pooled_over_series(observations):
    # The first series has no labelled anomaly in its training part: a per-series
    # supervised fit would fail, the pooled one learns from the other series.
    data = observations.copy()
    first = data["series_id"] == data["series_id"].iloc[0]
    data.loc[first, "label"] = 0
    model_set = ModelSet("random_forest", {"random_state": 0}).fit(data, train_fraction=0.5)
    members = list(model_set.members_.values())
    assert model_set.pooled_
    assert len({id(m.detector) for m in members}) == 1
    assert all(m.scaler is not None for m in members)
    scores = model_set.score(data, progress=False)
    assert scores["score"].between(0, 1).all()


def test_supervised_detector_needs_labels(observations):
    with pytest.raises(DataError, match="needs a `label` column"):
        ModelSet("random_forest").fit(observations.drop(columns="label"))


@pytest.mark.parametrize("detector", ["zscore", "random_forest"])
def test_save_and_load_give_identical_scores(tmp_path, observations, detector):
    model_set = ModelSet(detector, {"random_state": 0} if detector != "zscore" else {})
    model_set.fit(observations, train_fraction=0.5, progress=False)
    before = model_set.score(observations, progress=False)
    model_set.save(tmp_path / detector)
    if detector == "random_forest":
        assert (tmp_path / detector / "pooled" / "state.json").is_file()
        assert not (tmp_path / detector / "series-0000" / "state.json").exists()
    loaded = ModelSet.load(tmp_path / detector)
    pd.testing.assert_frame_equal(before, loaded.score(observations, progress=False))
    assert loaded.train_ends() == model_set.train_ends()


def test_unknown_series_is_named(observations):
    model_set = ModelSet("zscore").fit(observations, progress=False)
    other = observations.assign(series_id="elsewhere")
    with pytest.raises(DataError, match="series `elsewhere` has no trained `zscore` model"):
        model_set.score(other, progress=False)


def test_scoring_before_fit_says_call_fit_first(observations):
    with pytest.raises(NotFittedError, match="call fit first"):
        ModelSet("zscore").score(observations)


def test_threshold_spec_is_applied(observations):
    model_set = ModelSet("zscore", threshold={"method": "static", "value": 2.5})
    scores = model_set.fit(observations, progress=False).score(observations, progress=False)
    assert np.allclose(scores["threshold"], 2.5)


def test_training_ends_are_read_from_the_manifest(tmp_path, observations):
    from anomalia.modelset import saved_train_ends

    model_set = ModelSet("zscore").fit(observations, train_fraction=0.5, progress=False)
    model_set.save(tmp_path / "zscore")
    assert saved_train_ends(tmp_path / "zscore") == model_set.train_ends()
    with pytest.raises(DataError, match="no manifest.json"):
        saved_train_ends(tmp_path / "absent")


def test_alerts_per_day_take_each_series_interval(observations):
    spec = {"method": "budget", "alerts_per_day": 3}
    model_set = ModelSet("zscore", {"window": 24}, spec).fit(observations, train_fraction=0.5)
    for member in model_set.members_.values():
        assert pd.Timedelta(member.threshold.interval) == member.frequency
        points_per_day = pd.Timedelta("1D") / member.frequency
        assert member.threshold.alert_rate_ == pytest.approx(3 / points_per_day)


def test_rethreshold_refits_on_the_saved_calibration_scores(tmp_path, observations):
    model_set = ModelSet("zscore", {"window": 24}).fit(observations, train_fraction=0.5)
    model_set.save(tmp_path / "zscore")
    loaded = ModelSet.load(tmp_path / "zscore")
    for series_id, member in loaded.members_.items():
        np.testing.assert_array_equal(member.calibration, model_set.members_[series_id].calibration)
    loaded.rethreshold({"method": "quantile", "contamination": 0.1})
    flagged = loaded.score(observations, progress=False)["is_anomaly"].mean()
    assert flagged > model_set.score(observations, progress=False)["is_anomaly"].mean()
    assert loaded.threshold == {"method": "quantile", "contamination": 0.1}


def test_rethreshold_without_calibration_scores_says_train_again(tmp_path, observations):
    ModelSet("zscore", {"window": 24}).fit(observations).save(tmp_path / "zscore")
    for calibration in tmp_path.glob("zscore/series-*/calibration.npy"):
        calibration.unlink()
    with pytest.raises(DataError, match="saved without calibration scores .* train it again"):
        ModelSet.load(tmp_path / "zscore").rethreshold({"method": "budget", "alerts_per_1000": 1})
