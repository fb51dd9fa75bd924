"""The CLI end to end on a small generated dataset, and its error contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from anomalia.cli.main import main
from anomalia.contract import read_scores


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Path:
    """A folder with a small configuration; the CLI runs inside it."""
    config = {
        "synthetic": {"n_series": 2, "length": 900, "freq": "5min", "seed": 3},
        "train": {
            "detectors": ["zscore", "iforest"],
            "train_fraction": 0.4,
            "params": {"zscore": {"window": 24}, "iforest": {"random_state": 0}},
        },
        "paths": {
            "data": "data/raw/obs.parquet",
            "events": "data/raw/events.parquet",
            "models": "models",
            "scores": "data/scores.parquet",
            "metrics": "reports/metrics.csv",
            "report": "reports/demo",
        },
    }
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "default.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> int:
    return main([*args, "--quiet"])


def test_generate_train_detect_evaluate_report(workspace, capsys):
    assert run("generate") == 0
    observations = pd.read_parquet("data/raw/obs.parquet")
    assert observations["series_id"].nunique() == 2
    assert run("train") == 0
    manifest = json.loads(Path("models/iforest/manifest.json").read_text())
    assert manifest["detector"] == "iforest"
    assert [s["n_train"] for s in manifest["series"]] == [360, 360]
    assert run("detect") == 0
    scores = read_scores("data/scores.parquet")
    # One score per observed row and detector.
    assert len(scores) == 2 * len(observations)
    assert set(scores["detector"]) == {"zscore", "iforest"}
    assert run("evaluate", "--models", "models") == 0
    metrics = pd.read_csv("reports/metrics.csv")
    assert list(metrics["detector"]) == ["iforest", "zscore"]
    # Only held-out rows are judged: 60% of each series.
    assert (metrics["n_points"] == 2 * (900 - 360)).all()
    assert metrics["roc_auc"].between(0, 1).all()
    assert run("report", "--models", "models") == 0
    page = Path("reports/demo/index.html").read_text()
    assert "iforest" in page and "zscore" in page
    assert "event_f1" in capsys.readouterr().out


def test_detectors_are_flagging_injected_anomalies(workspace):
    run("generate")
    run("train", "--detector", "zscore")
    run("detect")
    scores = read_scores("data/scores.parquet")
    observations = pd.read_parquet("data/raw/obs.parquet")
    joined = scores.merge(observations, on=["series_id", "timestamp"])
    flagged = joined[joined["is_anomaly"]]
    # Flags land on labelled anomalies far more often than the base rate.
    assert flagged["label"].mean() > 3 * joined["label"].mean()


def test_train_param_override_reaches_the_model(workspace):
    run("generate")
    assert run("train", "--detector", "zscore", "--param", "window=10") == 0
    manifest = json.loads(Path("models/zscore/manifest.json").read_text())
    assert manifest["params"]["window"] == 10


def test_a_detector_threshold_in_the_config_replaces_the_global_one(workspace):
    config = yaml.safe_load(Path("configs/default.yaml").read_text())
    config["train"]["thresholds"] = {"zscore": {"method": "dynamic", "window": 100}}
    Path("configs/default.yaml").write_text(yaml.safe_dump(config))
    run("generate")
    assert run("train") == 0
    manifest = json.loads(Path("models/zscore/manifest.json").read_text())
    assert manifest["threshold"] == {"method": "dynamic", "window": 100}
    manifest = json.loads(Path("models/iforest/manifest.json").read_text())
    assert manifest["threshold"] == {"method": "quantile", "contamination": 0.01}
    # A threshold given on the command line wins.
    assert run("train", "--detector", "zscore", "--threshold", "pot") == 0
    manifest = json.loads(Path("models/zscore/manifest.json").read_text())
    assert manifest["threshold"] == {"method": "pot"}


def test_bad_data_exits_1_with_one_line_naming_the_row(workspace, capsys):
    Path("bad.csv").write_text("timestamp,value\n2024-01-01 00:00,1\n2024-01-01 00:05,x\n")
    assert main(["ingest", "bad.csv", "--out", "out.parquet"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "bad.csv, column `value`, row 2: expected a number, got 'x'" in err
    assert not Path("out.parquet").exists()


def test_unknown_detector_is_a_usage_error(workspace, capsys):
    run("generate")
    assert run("train", "--detector", "nope") == 2
    assert "unknown detector `nope`" in capsys.readouterr().err


def test_too_short_series_names_the_minimum(workspace, capsys):
    run("generate", "--length", "200")
    assert run("train", "--detector", "zscore", "--param", "window=500") == 1
    err = capsys.readouterr().err
    assert "needs at least 501" in err and "series `" in err


def test_failed_training_leaves_earlier_models_untouched(workspace):
    run("generate")
    run("train", "--detector", "zscore")
    before = Path("models/zscore/manifest.json").read_bytes()
    assert run("train", "--detector", "zscore", "--param", "window=5000") == 1
    assert Path("models/zscore/manifest.json").read_bytes() == before


def test_console_script_runs_and_reports_errors(workspace):
    anomalia = Path(sys.executable).with_name("anomalia")
    done = subprocess.run([str(anomalia), "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "ingest" in done.stdout
    done = subprocess.run(
        [str(anomalia), "detect", "--data", "missing.parquet"], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stderr.strip() == "anomalia detect: error: missing.parquet: no such file"


def test_a_failing_detector_leaves_every_earlier_model_untouched(workspace):
    run("generate")
    run("train", "--detector", "zscore")
    before = Path("models/zscore/manifest.json").read_bytes()
    # random_forest needs labels: checked before anything is fitted, so nothing changes.
    observations = pd.read_parquet("data/raw/obs.parquet").drop(columns="label")
    observations.to_parquet("data/raw/obs.parquet")
    assert run("train", "--detector", "zscore", "--detector", "random_forest") == 1
    assert Path("models/zscore/manifest.json").read_bytes() == before
    assert not Path("models/random_forest").exists()


def test_ingest_reports_gaps(workspace, caplog):
    Path("gappy.csv").write_text(
        "timestamp,value\n2024-01-01 00:00,1\n2024-01-01 00:05,2\n2024-01-01 00:10,3\n"
        "2024-01-01 00:30,4\n2024-01-01 00:35,5\n"
    )
    with caplog.at_level("INFO", logger="anomalia"):
        assert main(["ingest", "gappy.csv", "--out", "gappy.parquet"]) == 0
    assert "series gappy: 1 gap(s), 3 missing points" in caplog.text
