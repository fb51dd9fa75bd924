"""The report names the column that moved in each flagged event of a joint detector (pca)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from anomalia.cli.main import main
from anomalia.report.contributions import MERGE_GAP, blame_table, flagged_events
from anomalia.synthetic.multivariate import generate_multivariate


def _blame_rows(page: str) -> list[dict[str, str]]:
    """The rows of the page's "Which column moved" table, as {header: cell}."""
    section = page.split("Which column moved", 1)[1]
    head, body = re.search(r"<thead>(.*?)</thead><tbody>(.*?)</tbody>", section).groups()
    headers = re.findall(r"<th>(.*?)</th>", head)
    rows = re.findall(r"<tr>(.*?)</tr>", body)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in rows]
    return [dict(zip(headers, row, strict=True)) for row in cells]


@pytest.fixture(scope="module")
def system() -> tuple[pd.DataFrame, pd.DataFrame]:
    """One system of 5 correlated sensors, 8 days at 5 minutes, events in the second half."""
    data = generate_multivariate(n_systems=1, length=2304, n_sensors=5, seed=0)
    frame = pd.DataFrame(data.values[0], columns=[f"sensor_{j}" for j in range(5)])
    frame.insert(0, "timestamp", data.timestamps)
    frame.insert(0, "series_id", "rig")
    frame["label"] = data.labels[0]
    return frame, data.events


def test_the_report_names_the_sensor_that_broke_ranks(tmp_path, monkeypatch, system):
    observations, events = system
    monkeypatch.chdir(tmp_path)
    observations.to_parquet("obs.parquet", index=False)
    common = ["--data", "obs.parquet", "--quiet"]
    assert main(["train", "--detector", "pca", "--train-fraction", "0.5", "--models", "models",
                 *common]) == 0  # fmt: skip
    assert main(["detect", "--models", "models", "--out", "scores.parquet", *common]) == 0
    assert main(["evaluate", "--scores", "scores.parquet", "--out", "metrics.csv",
                 "--models", "models", *common]) == 0  # fmt: skip
    assert main(["report", "--scores", "scores.parquet", "--metrics", "metrics.csv",
                 "--models", "models", "--out", "report", *common]) == 0  # fmt: skip
    page = Path("report/index.html").read_text()
    assert 'data-file="figures/contributions-rig--pca.png"' in page
    assert Path("report/figures/contributions-rig--pca.png").stat().st_size > 0
    listed = _blame_rows(page)
    assert 1 <= len(listed) <= 5
    named = 0
    for event in events.itertuples():
        start = observations["timestamp"].iloc[event.start_index]
        end = observations["timestamp"].iloc[event.end_index]
        for row in listed:
            shown_start, shown_end = (pd.Timestamp(row[key]) for key in ("start", "end"))
            if shown_start <= end and shown_end >= start:  # the listed event overlaps it
                assert row["top column"] == f"sensor_{event.sensor}", (event.kind, row)
                named += 1
    # Every injected event (three relationship breaks in range, one spike) is among the
    # top events, each blamed on the sensor that broke.
    assert named == len(events) == 4


def test_without_a_joint_detector_there_is_no_contributions_section(tmp_path, system):
    from anomalia.report import write_report

    observations, _ = system
    observations = observations[["series_id", "timestamp", "sensor_0"]].iloc[:300]
    scores = observations[["series_id", "timestamp"]].assign(
        detector="zscore", score=0.0, threshold=1.0, is_anomaly=False
    )
    page = write_report(tmp_path / "out", observations, scores, None).read_text()
    assert "Which column moved" not in page


def test_flagged_runs_close_together_are_one_event_strongest_first():
    flagged = np.zeros(100, dtype=bool)
    flagged[[10, 11, 10 + MERGE_GAP + 1, 60]] = True
    scores = np.arange(100.0)
    events = flagged_events(flagged, scores)
    assert events[["first", "last"]].values.tolist() == [[60, 60], [10, 10 + MERGE_GAP + 1]]
    assert events["peak"].tolist() == [60.0, 10.0 + MERGE_GAP + 1]


def test_the_blamed_column_has_the_largest_summed_share():
    n = MERGE_GAP + 8
    times = pd.date_range("2024-01-01", periods=n, freq="h", tz="UTC")
    score, flagged = np.zeros(n), np.zeros(n, dtype=bool)
    a, b = np.zeros(n), np.zeros(n)
    # Event 2 (rows 1-2): row 1 blames a, row 2 blames b more strongly; summed, b wins.
    score[1:3], flagged[1:3], a[1:3], b[1:3] = [5, 4], True, [3, 1], [2, 3]
    score[-1], flagged[-1], b[-1] = 9.0, True, 9.0  # event 1: far enough to stand alone
    rows = pd.DataFrame({"timestamp": times, "score": score, "is_anomaly": flagged})
    table = blame_table(rows, pd.DataFrame({"a": a, "b": b}), ["a", "b"])
    assert table["top column"].tolist() == ["b", "b"]
    assert table["peak score"].tolist() == [9.0, 5.0]
    assert table.loc[2, "its share"] == pytest.approx(5 / 9)
    assert table.loc[2, "next column"] == "a"
    assert table.loc[2, "rows"] == 2 and table.loc[2, "start"] == times[1]


def test_auto_says_what_it_picked_and_why_in_the_log_and_the_report(
    tmp_path, monkeypatch, caplog, report_data
):
    import logging

    observations = report_data.observations.drop(columns="label")
    monkeypatch.chdir(tmp_path)
    observations.to_parquet("obs.parquet", index=False)
    (tmp_path / "params.yaml").write_text("candidates: [zscore, mad]\nrandom_state: 0\n")
    common = ["--data", "obs.parquet", "--quiet"]
    with caplog.at_level(logging.INFO, logger="anomalia"):
        assert main(["train", "--detector", "auto", "--params", "params.yaml",
                     "--train-fraction", "0.6", "--models", "models", *common]) == 0  # fmt: skip
    picked = [r.getMessage() for r in caplog.records if "auto on series" in r.getMessage()]
    assert len(picked) == observations["series_id"].nunique()
    assert all("chosen " in line and "found without a false alarm: zscore" in line
               for line in picked)  # fmt: skip
    assert main(["detect", "--models", "models", "--out", "scores.parquet", *common]) == 0
    pd.DataFrame({"detector": ["auto"], "roc_auc": [0.5]}).to_csv("metrics.csv", index=False)
    assert main(["report", "--scores", "scores.parquet", "--metrics", "metrics.csv",
                 "--models", "models", "--out", "report", *common]) == 0  # fmt: skip
    page = Path("report/index.html").read_text()
    assert page.count("What it chose and why") == observations["series_id"].nunique()
    chosen = re.findall(r"<td>chosen</td><td>(\w+)</td>", page)
    assert chosen and set(chosen) <= {"zscore", "mad"}
    assert "found without a false alarm: mad" in page
