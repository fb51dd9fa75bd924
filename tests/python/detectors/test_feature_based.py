"""What the feature-based detectors share: features, season, warm-up, calibration, subsampling."""

from __future__ import annotations

import numpy as np
import pytest

from anomalia.detectors.feature_based import DEFAULT_WINDOWS, MIN_COMPLETE_ROWS, subsample_rows
from anomalia.detectors.registry import make_detector

FEATURE_DETECTORS = ["iforest", "ocsvm", "lof", "dbscan"]
#: Period of the conftest series (a noisy sine).
PERIOD = 50


@pytest.mark.parametrize(
    ("feature_set", "season", "warmup"),
    [
        # Level features: the 30-point window ends at the row itself.
        ("level", "auto", 29),
        # Context features compare the row with the 30 points before it.
        ("context", None, 30),
        # The season (PERIOD = 50) found in the training values reaches further:
        # the 12-point mean one season back starts 50 + 11 rows before the row.
        ("context", "auto", 61),
    ],
)
@pytest.mark.parametrize("name", FEATURE_DETECTORS)
def test_rows_without_full_history_score_zero(
    name, feature_set, season, warmup, train_series, spiky_series
):
    detector = make_detector(
        name, random_state=0, windows=(10, 30), feature_set=feature_set, season=season
    ).fit(train_series.values)
    assert detector.warmup_ == warmup
    scores = detector.score(spiky_series.values)
    assert (scores[:warmup] == 0).all()
    assert (scores[warmup:] != 0).any()
    assert (detector.score(spiky_series.values[:20]) == 0).all()


@pytest.mark.parametrize("name", [*FEATURE_DETECTORS, "random_forest"])
def test_the_season_is_found_in_the_training_values(name, train_series, spiky_series):
    detector = make_detector(name, random_state=0).fit(train_series.values, train_series.labels)
    assert detector.season_ == PERIOD
    assert "x0_seasonz_p50" in detector.feature_names_
    assert detector.warmup_ == max(DEFAULT_WINDOWS)
    scores = detector.score(spiky_series.values)
    assert int(np.argmax(scores)) == spiky_series.anomalies[0]


def test_season_can_be_given_or_left_out(train_series):
    given = make_detector("iforest", random_state=0, season=25).fit(train_series.values)
    assert given.season_ == 25
    assert "x0_seasonz_p25" in given.feature_names_
    left_out = make_detector("iforest", random_state=0, season=None).fit(train_series.values)
    assert left_out.season_ is None
    assert not any("season" in name for name in left_out.feature_names_)
    noise = np.random.default_rng(0).normal(size=1200)
    assert make_detector("iforest", random_state=0).fit(noise).season_ is None


def test_min_samples_counts_a_given_season_and_leaves_room_for_a_found_one(train_series):
    assert make_detector("iforest", season=500).min_samples() == 500 + 11 + MIN_COMPLETE_ROWS
    auto = make_detector("iforest", windows=(10, 30))
    assert auto.min_samples() == 30 + MIN_COMPLETE_ROWS
    # A season found on so short a series may be no longer than leaves
    # MIN_COMPLETE_ROWS complete rows after the warm-up.
    shortest = train_series.values[: auto.min_samples()]
    auto.fit(shortest)
    assert auto.season_ is None or auto.season_ + 11 <= len(shortest) - MIN_COMPLETE_ROWS
    assert len(shortest) - auto.warmup_ >= MIN_COMPLETE_ROWS


def test_level_feature_set_keeps_the_level_features(train_series):
    detector = make_detector("iforest", feature_set="level", windows=(12, 48), random_state=0)
    detector.fit(train_series.values)
    assert detector.season_ is None
    assert detector.feature_names_ == [
        "x0",
        "x0_diff1",
        "x0_lag1",
        "x0_mean_w12",
        "x0_std_w12",
        "x0_mean_w48",
        "x0_std_w48",
    ]
    both = make_detector("iforest", feature_set="both", random_state=0).fit(train_series.values)
    assert both.feature_names_[:3] == ["x0", "x0_diff1", "x0_lag1"]
    assert both.feature_names_[-2:] == ["x0_seasonz_p50", "x0_seasonshift_p50"]


@pytest.mark.parametrize("name", FEATURE_DETECTORS)
def test_a_flat_training_stretch_keeps_scores_finite(name, train_series, spiky_series):
    training = train_series.values.copy()
    training[200:500] = training[200]
    detector = make_detector(name, random_state=0).fit(training)
    scores = detector.score(spiky_series.values)
    assert np.isfinite(scores).all()
    assert scores[spiky_series.anomalies[0]] >= np.quantile(scores, 0.99)


@pytest.mark.parametrize("name", ["ocsvm", "lof", "dbscan"])
def test_threshold_holds_on_new_data_from_the_same_process(name, train_series, clean_series):
    # Scored on their own training rows these models look far too normal;
    # cross-fitted calibration keeps the flag rate on fresh data near 1%.
    detector = make_detector(name, random_state=0).fit(train_series.values)
    limit = np.quantile(detector.calibration_scores(train_series.values), 0.99)
    assert detector.predict(clean_series, limit).mean() <= 0.025


def test_subsample_rows_keeps_time_order_and_repeats_with_a_seed():
    matrix = np.arange(100.0).reshape(50, 2)
    sample = subsample_rows(matrix, 10, random_state=3)
    assert sample.shape == (10, 2)
    assert (np.diff(sample[:, 0]) > 0).all()
    np.testing.assert_array_equal(sample, subsample_rows(matrix, 10, random_state=3))
    assert subsample_rows(matrix, 80, random_state=3) is matrix
