"""`anomalia evaluate` and `anomalia tune` with the dashboard's labels (`--labels-store`)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
import yaml

from anomalia.cli.main import main
from anomalia.contract import read_scores
from anomalia.store import open_store


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """Generated data, a trained zscore model and its scores; the CLI runs inside."""
    config = {
        "synthetic": {"n_series": 1, "length": 900, "freq": "5min", "seed": 3},
        "train": {"detectors": ["zscore"], "train_fraction": 0.4,
                  "params": {"zscore": {"window": 24}}},
        "paths": {"data": "obs.parquet", "events": "events.parquet", "models": "models",
                  "scores": "scores.parquet", "metrics": "metrics.csv", "report": "report"},
    }  # fmt: skip
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "default.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.chdir(tmp_path)
    for step in ("generate", "train", "detect"):
        assert main([step, "--quiet"]) == 0
    return tmp_path


def isolated_flags(scores: pd.DataFrame, count: int) -> pd.DataFrame:
    """``count`` held-out flagged points, none next to another flagged point."""
    scores = scores.sort_values("timestamp").reset_index(drop=True)
    flagged = scores["is_anomaly"].to_numpy(bool)
    alone = flagged & ~np.roll(flagged, 1) & ~np.roll(flagged, -1)
    held_out = np.arange(len(scores)) > 0.4 * len(scores) + 1
    return scores[alone & held_out].head(count)


def test_evaluate_judges_against_the_stored_labels(workspace, tmp_path):
    assert main(["evaluate", "--models", "models", "--quiet"]) == 0
    from_data = pd.read_csv("metrics.csv").iloc[0]["n_events"]
    count = 1 if from_data != 1 else 2
    picked = isolated_flags(read_scores("scores.parquet"), count)
    assert len(picked) == count
    url = f"duckdb:///{tmp_path / 'live.duckdb'}"
    observations = pd.read_parquet("obs.parquet")
    labelled = observations[observations["label"] == 1]
    with open_store(url) as store:
        # Every event of the data is a false alarm; the picked flags are true anomalies.
        store.write_labels(
            pd.DataFrame(
                {
                    "series_id": [*labelled["series_id"], *picked["series_id"]],
                    "timestamp": [*labelled["timestamp"], *picked["timestamp"]],
                    "label": [0] * len(labelled) + [1] * count,
                    "source": "dashboard",
                }
            )
        )
    assert main(["evaluate", "--models", "models", "--labels-store", url, "--quiet"]) == 0
    metrics = pd.read_csv("metrics.csv").iloc[0]
    assert metrics["n_events"] == count
    assert metrics["event_recall"] == 1.0


def test_tune_reads_the_stored_labels(workspace, tmp_path, caplog):
    url = f"duckdb:///{tmp_path / 'live.duckdb'}"
    scores = read_scores("scores.parquet")
    picked = isolated_flags(scores, 2)
    with open_store(url) as store:
        store.write_labels(picked[["series_id", "timestamp"]].assign(label=[1, 0]))
    caplog.set_level(logging.INFO, logger="anomalia")
    args = ["tune", "--detector", "zscore", "--trials", "2", "--folds", "2", "--out", "p.yaml"]
    assert main([*args, "--labels-store", url, "--quiet"]) == 0
    assert f"labels of {url}: 2 label(s) applied (1 true anomalies, 1 false alarms)" in caplog.text
    assert yaml.safe_load(open("p.yaml").read())


def test_a_bad_labels_store_url_is_a_usage_error(workspace, capsys):
    assert main(["evaluate", "--labels-store", "sqlite:///x.db", "--quiet"]) == 2
    assert "duckdb:///" in capsys.readouterr().err
