"""Plain words for late failures and empty outcomes: training labels, thresholds, folds."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from anomalia.diagnostics import check_fold_labels, check_training_labels, silent_thresholds
from anomalia.exceptions import DataError
from anomalia.modelset import ModelSet
from anomalia.tuning.folds import expanding_folds


def _observations(label_rows: dict[str, list[int]], n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    parts = []
    for series_id, rows in label_rows.items():
        label = np.zeros(n, dtype=np.int8)
        label[rows] = 1
        parts.append(
            pd.DataFrame(
                {
                    "series_id": series_id,
                    "timestamp": pd.date_range("2024-01-01", periods=n, freq="h", tz="UTC"),
                    "value": rng.normal(size=n),
                    "label": label,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def test_labels_in_the_training_part_pass():
    check_training_labels(_observations({"a": [150], "b": [20]}), "random_forest", 0.5)


def test_labels_only_after_the_training_part_name_the_fraction_to_use():
    observations = _observations({"a": [150], "b": [170]})
    message = (
        "the training part (first 50% of each series) of series `a`, `b` holds no point "
        "labelled 1; the earliest labelled anomaly is at 76% of series `a`: "
        "raise --train-fraction to 0.77 or more"
    )
    with pytest.raises(DataError, match=re.escape(message)):
        check_training_labels(observations, "random_forest", 0.5)


def test_no_label_at_all_is_said():
    with pytest.raises(DataError, match="no point of series `a` is labelled 1"):
        check_training_labels(_observations({"a": []}), "random_forest", 0.5)
    with pytest.raises(DataError, match="no `label` column; pass --label-column"):
        check_training_labels(_observations({"a": []}).drop(columns="label"), "x", 0.5)


def test_a_threshold_above_every_calibration_score_is_reported_with_the_fix():
    observations = _observations({"a": [], "b": []})
    quiet = ModelSet("zscore", {"window": 24}, {"method": "static", "value": 1e6})
    quiet.fit(observations, train_fraction=0.5, progress=False)
    messages = silent_thresholds(quiet)
    assert len(messages) == 2
    assert "series `a`" in messages[0] and "lower `value`" in messages[0]
    assert "(1e+06) is above every one of its" in messages[0]
    usual = ModelSet("zscore", {"window": 24}).fit(observations, train_fraction=0.5, progress=False)
    assert silent_thresholds(usual) == []


def test_folds_without_labelled_validation_rows_warn_and_none_at_all_stops():
    # Validation parts of 3 folds from 0.4: 40-60%, 60-80%, 80-100% of each series.
    observations = _observations({"a": [130]})
    with pytest.warns(UserWarning, match=re.escape("fold(s) 1, 3 of 3")):
        assert check_fold_labels(expanding_folds(observations, 3, 0.4), "event_f1") == [1, 3]
    early = _observations({"a": [10]})
    with pytest.raises(DataError, match="no tuning fold validates on a point labelled 1"):
        check_fold_labels(expanding_folds(early, 3, 0.4), "event_f1")
