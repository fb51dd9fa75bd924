"""Input as users have it: several files, folders, globs, CSV, --out by extension, events CSV."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

import anomalia.contract.ingest as ingest_module
import anomalia.contract.io as contract_io
from anomalia.cli.main import main
from anomalia.contract import read_observations, read_scores, write_observations
from anomalia.synthetic import generate


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Path:
    """Three one-series parquet files under data/, and a small configuration."""
    config = {
        "train": {"detectors": ["zscore"], "train_fraction": 0.5, "params": {}},
        "paths": {"models": "models", "scores": "scores.parquet", "metrics": "metrics.csv"},
    }
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "default.yaml").write_text(yaml.safe_dump(config))
    observations = generate(n_series=3, length=400, seed=2).observations
    (tmp_path / "data").mkdir()
    for series_id, frame in observations.groupby("series_id", sort=True):
        write_observations(frame, tmp_path / "data" / f"{series_id}.parquet")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> int:
    return main([*args, "--quiet"])


def _trained_series(detector: str = "zscore") -> list[str]:
    manifest = json.loads(Path(f"models/{detector}/manifest.json").read_text())
    return sorted(entry["series_id"] for entry in manifest["series"])


def _series_ids() -> list[str]:
    return sorted(p.stem for p in Path("data").glob("*.parquet"))


def test_a_folder_is_read_whole(workspace):
    assert run("train", "--data", "data") == 0
    assert _trained_series() == _series_ids()


def test_repeated_data_accumulates_files_and_glob_patterns(workspace):
    first, second, third = _series_ids()
    assert run("train", "--data", f"data/{first}.parquet", "--data", f"data/{second[:3]}*") == 0
    trained = _trained_series()
    assert first in trained and second in trained
    assert run("train", "--data", "data/*.parquet") == 0
    assert _trained_series() == [first, second, third]


def test_train_and_detect_read_csv_with_the_ingest_options(workspace):
    frame = read_observations(next(Path("data").glob("*.parquet")))
    raw = pd.DataFrame(
        {"time": frame["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S"), "cpu": frame["value"]}
    )
    raw.to_csv("raw.csv", index=False)
    options = ["--timestamp-column", "time", "--series-id", "web"]
    assert run("train", "--data", "raw.csv", *options) == 0
    assert _trained_series() == ["web"]
    assert run("detect", "--data", "raw.csv", *options, "--out", "scores.csv") == 0
    scores = read_scores("scores.csv")
    assert len(scores) == len(raw) and set(scores["series_id"]) == {"web"}


def test_out_writes_the_format_its_extension_names(workspace):
    assert run("train", "--data", "data") == 0
    assert run("detect", "--data", "data", "--out", "scores.csv") == 0
    assert run("detect", "--data", "data", "--out", "scores.parquet") == 0
    assert Path("scores.csv").read_text().startswith("series_id,timestamp")
    assert Path("scores.parquet").read_bytes()[:4] == b"PAR1"
    from_csv, from_parquet = read_scores("scores.csv"), read_scores("scores.parquet")
    pd.testing.assert_frame_equal(from_csv, from_parquet, check_exact=False)
    assert run("evaluate", "--data", "data", "--scores", "scores.csv", "--out", "m.csv") == 0


def test_ingest_takes_several_files_into_one_table(workspace):
    assert run("ingest", "data/*.parquet", "--out", "all.csv") == 0
    combined = read_observations("all.csv")
    assert sorted(combined["series_id"].unique()) == _series_ids()


def test_labels_can_come_as_an_events_csv(workspace):
    first = _series_ids()[0]
    frame = read_observations(f"data/{first}.parquet")
    start, end = frame["timestamp"].iloc[300], frame["timestamp"].iloc[304]
    Path("events.csv").write_text(f"series_id,start,end\n{first},{start},{end}\n")
    assert run("train", "--data", f"data/{first}.parquet") == 0
    assert run("detect", "--data", f"data/{first}.parquet", "--out", "s.parquet") == 0
    assert (
        run(
            "evaluate",
            *("--data", f"data/{first}.parquet", "--scores", "s.parquet"),
            *("--labels", "events.csv", "--out", "m.csv"),
        )
        == 0
    )
    assert pd.read_csv("m.csv")["n_events"].tolist() == [1]


def test_a_failing_detector_keeps_every_other_detector_saved(workspace, caplog):
    config = yaml.safe_load(Path("configs/default.yaml").read_text())
    config["train"]["detectors"] = ["mad", "zscore", "novelty"]
    config["train"]["params"] = {"zscore": {"window": 500}}  # longer than the training part
    Path("configs/default.yaml").write_text(yaml.safe_dump(config))
    assert run("train", "--data", "data") == 1
    assert _trained_series("mad") == _trained_series("novelty") == _series_ids()
    assert not Path("models/zscore").exists()
    failure = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(failure) == 1
    assert "zscore failed" in failure[0] and "series `" in failure[0]
    assert "needs at least 501" in failure[0]


def test_a_config_typo_fails_fast_before_any_data_is_read(workspace, monkeypatch, capsys):
    opened = []

    def reader(*args, **kwargs):
        opened.append(args)
        raise AssertionError("data was read")

    monkeypatch.setattr(contract_io, "_read_table", reader)
    monkeypatch.setattr(ingest_module, "_read_source", reader)
    Path("typo.yaml").write_text(yaml.safe_dump({"train": {"params": {"iforest": {"n_trees": 5}}}}))
    started = time.perf_counter()
    assert run("train", "--data", "data", "--config", "typo.yaml") == 2
    seconds = time.perf_counter() - started
    assert opened == []
    assert "did you mean `n_estimators`" in capsys.readouterr().err
    assert seconds < 2.0


def test_detectors_lists_parameters_with_defaults_and_ranges(workspace, capsys):
    assert run("detectors", "--params", "iforest") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["parameter", "default", "allowed"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert "100" in rows["n_estimators"] and "an integer >= 1" in rows["n_estimators"]
    assert "contamination" not in rows  # the threshold's parameter, not the detector's


def test_a_threshold_that_flags_nothing_is_warned_about(workspace, caplog):
    Path("static.yaml").write_text(
        yaml.safe_dump(
            {
                "train": {"detectors": ["zscore"]},
                "threshold": {"method": "static", "value": 1.0e9},
                "paths": {"models": "models"},
            }
        )
    )
    assert run("train", "--data", "data", "--config", "static.yaml") == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == len(_series_ids())
    assert "flag nothing" in warnings[0] and "lower `value`" in warnings[0]


def test_data_written_elsewhere_is_left_alone(workspace):
    before = {p: p.read_bytes() for p in Path("data").iterdir()}
    assert run("train", "--data", "data") == 0
    assert {p: p.read_bytes() for p in Path("data").iterdir()} == before
    assert not [name for name in os.listdir(".") if name.endswith(".tmp")]


def test_parquet_in_another_shape_is_ingested_with_the_column_options(workspace):
    frame = read_observations(next(Path("data").glob("*.parquet")))
    frame.rename(columns={"timestamp": "time", "value": "cpu"}).drop(
        columns="series_id"
    ).to_parquet("raw.parquet")
    assert run("ingest", "raw.parquet", "--timestamp-column", "time", "--out", "obs.parquet") == 0
    assert read_observations("obs.parquet")["series_id"].unique().tolist() == ["raw"]
    assert run("train", "--data", "raw.parquet", "--timestamp-column", "time") == 0
    assert _trained_series() == ["raw"]


def test_generate_writes_csv_when_asked_and_report_reads_it(workspace, tmp_path):
    assert run("generate", "--out", "g.csv", "--events", "e.csv", "--n-series", "1") == 0
    assert pd.read_csv("e.csv").columns[:1].tolist() == ["series_id"]
    assert run("train", "--data", "g.csv") == 0
    assert run("detect", "--data", "g.csv", "--out", "s.parquet") == 0
    assert run("evaluate", "--data", "g.csv", "--scores", "s.parquet", "--out", "m.csv") == 0
    assert (
        run(
            "report",
            *("--data", "g.csv", "--scores", "s.parquet", "--metrics", "m.csv"),
            *("--events", "e.csv", "--out", "rep", "--max-series", "1"),
        )
        == 0
    )
    assert "data:image/png;base64," in Path("rep/index.html").read_text()
