"""evaluate_scores: per-series metrics averaged, training rows left out, clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomalia.evaluation import evaluate_scores
from anomalia.exceptions import DataError


def _tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    stamps = pd.date_range("2024-01-01", periods=10, freq="h", tz="UTC")
    labels = {"a": [0, 0, 0, 1, 1, 0, 0, 0, 0, 0], "b": [0, 0, 0, 0, 0, 0, 0, 1, 0, 0]}
    flags = {"a": [0, 0, 0, 0, 1, 0, 0, 0, 1, 0], "b": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]}
    observations, scores = [], []
    for series_id in ("a", "b"):
        observations.append(
            pd.DataFrame(
                {
                    "series_id": series_id,
                    "timestamp": stamps,
                    "value": np.arange(10.0),
                    "label": np.array(labels[series_id], dtype=np.int8),
                }
            )
        )
        flag = np.array(flags[series_id], dtype=bool)
        scores.append(
            pd.DataFrame(
                {
                    "series_id": series_id,
                    "timestamp": stamps,
                    "detector": "d",
                    "score": flag * 2.0 + np.linspace(0, 0.1, 10),
                    "threshold": 1.0,
                    "is_anomaly": flag,
                }
            )
        )
    return pd.concat(observations, ignore_index=True), pd.concat(scores, ignore_index=True)


def test_metrics_are_averaged_over_series():
    observations, scores = _tables()
    row = evaluate_scores(observations, scores).iloc[0]
    # Series a: 1 of 2 predicted events hits the only true event -> P 1/2, R 1, F1 2/3.
    # Series b: nothing predicted -> P 0, R 0, F1 0. Macro mean of F1: 1/3.
    assert row["event_f1"] == pytest.approx(1 / 3)
    assert row["event_recall"] == pytest.approx(0.5)
    assert row["n_events"] == 2 and row["n_flagged"] == 2 and row["n_points"] == 20


def test_rows_up_to_the_training_end_are_left_out():
    observations, scores = _tables()
    cut = observations["timestamp"].iloc[5]
    row = evaluate_scores(observations, scores, {"d": {"a": cut, "b": cut}}).iloc[0]
    # Only rows 6..9 remain: a has no event left (its false alarm at row 8 remains),
    # b keeps its event at row 7, missed.
    assert row["n_points"] == 8
    assert row["n_events"] == 1
    assert row["n_flagged"] == 1


def test_observations_without_labels_are_refused():
    observations, scores = _tables()
    with pytest.raises(DataError, match="no `label` column"):
        evaluate_scores(observations.drop(columns="label"), scores)


def test_scores_that_match_no_observation_are_refused():
    observations, scores = _tables()
    scores["series_id"] = "other"
    with pytest.raises(DataError, match="match no labelled observation"):
        evaluate_scores(observations, scores)


def test_judged_rows_without_a_labelled_anomaly_are_said_plainly():
    observations, scores = _tables()
    # Training ends after every labelled point: the judged rows hold none.
    cut = observations["timestamp"].iloc[7]
    with pytest.raises(DataError, match="rows after the training part hold no point labelled 1"):
        evaluate_scores(observations, scores, {"d": {"a": cut, "b": cut}})
    with pytest.raises(DataError, match="the scored rows hold no point labelled 1"):
        evaluate_scores(observations.assign(label=0), scores)


def test_one_detector_without_labelled_rows_is_warned_about_by_name():
    observations, scores = _tables()
    both = pd.concat([scores, scores.assign(detector="late")], ignore_index=True)
    last = observations["timestamp"].iloc[8]
    with pytest.warns(UserWarning, match="for `late`, the rows after the training part"):
        table = evaluate_scores(observations, both, {"late": {"a": last, "b": last}})
    assert table["detector"].tolist() == ["d", "late"]
    assert np.isnan(table.set_index("detector").loc["late", "event_f1"])
