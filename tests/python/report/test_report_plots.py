"""Behaviour of the report's plot functions."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from anomalia.exceptions import DataError
from anomalia.report import (
    plot_roc_pr,
    plot_score_boxes,
    plot_score_histogram,
    plot_scores,
    plot_series,
)


@pytest.fixture(scope="module")
def one_series(report_data, make_scores):
    observations = report_data.observations
    series_id = observations["series_id"].iloc[0]
    rows = observations[observations["series_id"] == series_id]
    events = report_data.events[report_data.events["series_id"] == series_id]
    return rows, make_scores(rows, "median-residual"), events


def test_every_plot_writes_a_png_and_leaves_no_temporary(tmp_path, one_series, is_png):
    rows, scores, events = one_series
    paths = [
        plot_series(rows, scores, events, tmp_path / "series.png"),
        plot_scores(scores, tmp_path / "scores.png"),
        plot_score_histogram(scores, rows["label"].to_numpy(), tmp_path / "histogram.png"),
        plot_score_boxes(scores, rows["label"].to_numpy(), tmp_path / "boxplot.png"),
        plot_roc_pr(
            {"a": (rows["label"], scores["score"]), "b": (rows["label"], -scores["score"])},
            tmp_path / "curves.png",
        ),
    ]
    assert all(is_png(path) for path in paths)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)
    assert plt.get_fignums() == []


def test_series_plot_works_without_scores_events_or_labels(tmp_path, one_series, is_png):
    rows, _, _ = one_series
    assert is_png(plot_series(rows, None, None, tmp_path / "labels.png"))
    assert is_png(plot_series(rows.drop(columns="label"), None, None, tmp_path / "plain.png"))


def test_scores_plot_draws_a_threshold_that_varies(tmp_path, one_series, is_png):
    _, scores, _ = one_series
    varying = scores.assign(threshold=np.linspace(1.0, 2.0, len(scores)))
    assert is_png(plot_scores(varying, tmp_path / "scores.png"))
    assert is_png(plot_score_histogram(varying, None, tmp_path / "histogram.png"))
    assert is_png(plot_score_boxes(varying, None, tmp_path / "boxplot.png"))


def test_missing_score_column_is_named(tmp_path, one_series):
    _, scores, _ = one_series
    with pytest.raises(DataError, match="missing column\\(s\\) `threshold`"):
        plot_scores(scores.drop(columns="threshold"), tmp_path / "scores.png")
    assert not (tmp_path / "scores.png").exists()


def test_histogram_labels_must_align_with_scores(tmp_path, one_series):
    _, scores, _ = one_series
    with pytest.raises(DataError, match="one entry per row"):
        plot_score_histogram(scores, np.zeros(3), tmp_path / "histogram.png")


def test_box_plot_labels_must_align_and_leave_a_finite_score(tmp_path, one_series):
    _, scores, _ = one_series
    with pytest.raises(DataError, match="one entry per row"):
        plot_score_boxes(scores, np.zeros(3), tmp_path / "boxplot.png")
    with pytest.raises(DataError, match="no finite score"):
        plot_score_boxes(scores, np.full(len(scores), np.nan), tmp_path / "boxplot.png")
    assert not (tmp_path / "boxplot.png").exists()


def test_roc_pr_skips_single_class_detectors_and_fails_when_none_is_left(tmp_path):
    scores = np.arange(10.0)
    with pytest.warns(UserWarning, match="one class only"), pytest.raises(DataError):
        plot_roc_pr({"flat": (np.zeros(10), scores)}, tmp_path / "curves.png")
    with pytest.raises(DataError, match="same length"):
        plot_roc_pr({"short": (np.zeros(3), scores)}, tmp_path / "curves.png")


def test_names_with_dollar_signs_are_drawn_as_written(tmp_path, one_series, is_png):
    rows, scores, events = one_series
    odd = "cost $\\notacommand{$"
    path = plot_series(
        rows, scores.assign(detector=odd), events.assign(kind=odd), tmp_path / "a.png"
    )
    assert is_png(path)
    assert is_png(plot_roc_pr({odd: (rows["label"], scores["score"])}, tmp_path / "b.png"))
