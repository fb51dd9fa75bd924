"""The explain view's data: context around an onset, each column's share, expected values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomalia.dashboard import figures
from anomalia.dashboard.explain import AFTER, BEFORE, explain, model_folder
from anomalia.exceptions import DataError
from anomalia.modelset import ModelSet

TIMES = pd.date_range("2026-01-01", periods=1200, freq="5min", tz="UTC")


def frame(values: np.ndarray, series_id: str = "m1") -> pd.DataFrame:
    columns = {f"c{i}": values[:, i] for i in range(values.shape[1])}
    return pd.DataFrame({"series_id": series_id, "timestamp": TIMES[: len(values)], **columns})


def test_multivariate_alert_names_the_column_that_moved(multivariate_train, multivariate_spiky):
    model_set = ModelSet("pca").fit(frame(multivariate_train.values), progress=False)
    live = frame(multivariate_spiky.values)
    onset = live["timestamp"].iloc[700]
    found = explain(live, onset, model_set, "m1")
    assert found.contributions.idxmax() == "c2"  # the spike is in column 2
    # pca expects each row to be its reconstruction: the spiked column is the one far from it
    gap = (found.context[["c0", "c1", "c2"]] - found.expected).abs().iloc[BEFORE]
    assert gap.idxmax() == "c2"
    assert len(found.context) == BEFORE + AFTER + 1
    assert found.context["timestamp"].iloc[BEFORE] == onset
    assert figures.contribution_figure(found.contributions).data[0].x == ("c0", "c1", "c2")


def test_expected_values_come_back_in_the_data_units(train_series, monkeypatch):
    """A detector's expected values, computed on scaled rows, are plotted in the data's units."""
    data = frame(train_series.values.reshape(-1, 1) * 10 + 100)
    model_set = ModelSet("zscore", params={"window": 24}, new_series={"method": "fleet",
                         "points": 50}).fit(data, progress=False)  # fmt: skip
    member = model_set.members_["m1"]
    assert member.scaler is not None  # a fleet model scores scaled rows
    # A forecast that says "the last value again", on the rows the detector is given.
    monkeypatch.setattr(member.detector, "expected", lambda X: np.roll(np.asarray(X), 1, axis=0))
    onset = data["timestamp"].iloc[650]
    found = explain(data, onset, model_set, "m1")
    actual = found.context["c0"].to_numpy()
    np.testing.assert_allclose(found.expected["c0"].to_numpy()[1:], actual[:-1])
    figure = figures.context_figure(found.context, onset, found.expected)
    assert [trace.name for trace in figure.data] == ["c0 (actual)", "c0 (expected)"]


def test_without_a_model_only_the_context_is_explained(train_series):
    data = frame(train_series.values.reshape(-1, 1))
    found = explain(data, data["timestamp"].iloc[5], None, "m1")
    assert (found.expected, found.contributions) == (None, None)
    assert len(found.context) == 5 + AFTER + 1  # fewer rows before the onset exist
    assert "context only" in found.note
    model_set = ModelSet("zscore", params={"window": 24}).fit(data, progress=False)
    assert "no member for `other`" in explain(data, TIMES[5], model_set, "other").note


def test_an_onset_before_the_data_is_refused(train_series):
    data = frame(train_series.values.reshape(-1, 1))
    with pytest.raises(DataError, match="no observation at or before the alert's onset"):
        explain(data, TIMES[0] - pd.Timedelta("1h"))


def test_model_folder_is_found_only_when_trained(tmp_path, train_series):
    assert model_folder(None, "zscore") is None
    assert model_folder(tmp_path, "zscore") is None
    data = frame(train_series.values.reshape(-1, 1))
    ModelSet("zscore", params={"window": 24}).fit(data, progress=False).save(tmp_path / "zscore")
    assert model_folder(tmp_path, "zscore") == tmp_path / "zscore"
