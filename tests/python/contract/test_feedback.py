"""Dashboard feedback written into the observations' labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomalia.contract.feedback import label_from_feedback
from anomalia.exceptions import DataError


def observations(labelled: bool) -> pd.DataFrame:
    times = pd.date_range("2026-01-01", periods=5, freq="5min", tz="UTC")
    frame = pd.DataFrame(
        {
            "series_id": ["a"] * 5 + ["b"] * 5,
            "timestamp": list(times) * 2,
            "value": np.arange(10.0),
        }
    )
    if labelled:
        frame["label"] = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 1], dtype=np.int8)
    return frame


def test_labels_replace_the_data_at_the_points_they_name():
    labels = pd.DataFrame(
        {
            "series_id": ["a", "b"],
            # Naive timestamps are UTC, as the store keeps them.
            "timestamp": pd.to_datetime(["2026-01-01 00:05", "2026-01-01 00:20"]),
            "label": [1, 0],
        }
    )
    out = label_from_feedback(observations(labelled=True), labels)
    assert out["label"].tolist() == [0, 1, 1, 0, 0, 0, 0, 0, 0, 0]


def test_without_a_label_column_unnamed_rows_are_normal():
    labels = pd.DataFrame(
        {
            "series_id": ["b"],
            "timestamp": [pd.Timestamp("2026-01-01 00:10", tz="UTC")],
            "label": [1],
        }
    )
    out = label_from_feedback(observations(labelled=False), labels)
    assert out["label"].tolist() == [0] * 7 + [1, 0, 0]


def test_a_label_naming_no_row_is_left_out_and_logged(caplog):
    labels = pd.DataFrame(
        {"series_id": ["zz"], "timestamp": [pd.Timestamp("2026-01-01")], "label": [1]}
    )
    out = label_from_feedback(observations(labelled=True), labels, source="labels of x")
    assert out["label"].tolist() == observations(labelled=True)["label"].tolist()
    assert "labels of x: 1 label(s) name no row" in caplog.text


def test_bad_labels_are_named():
    labels = pd.DataFrame(
        {"series_id": ["a", "a"], "timestamp": pd.to_datetime(["2026-01-01"] * 2), "label": [1, 7]}
    )
    with pytest.raises(DataError, match=r"store, column `label`, row 2: expected 0 or 1, got 7"):
        label_from_feedback(observations(labelled=True), labels, source="store")
    with pytest.raises(DataError, match="store: labels lack column `label`"):
        label_from_feedback(observations(True), labels.drop(columns="label"), source="store")
