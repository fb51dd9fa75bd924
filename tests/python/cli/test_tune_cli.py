"""`anomalia tune` writes parameters that `anomalia train --params` reads unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from anomalia.cli.main import main
from anomalia.cli.tune import OBJECTIVE_NAMES
from anomalia.tuning import OBJECTIVES


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    config = {
        "synthetic": {"n_series": 2, "length": 1500, "freq": "5min", "seed": 4},
        "train": {"detectors": ["mad"], "params": {"mad": {"window": 24}}},
        "paths": {"data": "obs.parquet", "events": "events.parquet", "models": "models",
                  "scores": "scores.parquet", "metrics": "metrics.csv", "report": "report"},
    }  # fmt: skip
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "default.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.chdir(tmp_path)
    assert main(["generate", "--quiet"]) == 0
    return tmp_path


def test_tuned_parameters_train_through_the_cli(workspace):
    args = ["tune", "--detector", "mad", "--objective", "event_f1", "--trials", "4"]
    assert main([*args, "--out", "best.yaml", "--seed", "1", "--quiet"]) == 0
    text = Path("best.yaml").read_text()
    assert text.startswith("# anomalia tune --detector mad")
    params = yaml.safe_load(text)
    assert set(params) == {"window"}
    assert main(["train", "--detector", "mad", "--params", "best.yaml", "--quiet"]) == 0
    manifest = json.loads(Path("models/mad/manifest.json").read_text())
    assert manifest["params"] == params
    # Same seed, same file.
    assert main([*args, "--out", "again.yaml", "--seed", "1", "--quiet"]) == 0
    assert yaml.safe_load(Path("again.yaml").read_text()) == params
    assert Path("again.yaml").read_text().splitlines()[:3] == text.splitlines()[:3]


def test_an_unknown_detector_is_a_usage_error_and_writes_nothing(workspace, capsys):
    code = main(["tune", "--detector", "nope", "--out", "x.yaml", "--quiet"])
    assert code == 2
    assert "unknown detector `nope`" in capsys.readouterr().err
    assert not Path("x.yaml").exists()


def test_cli_objectives_are_the_library_ones():
    assert sorted(OBJECTIVE_NAMES) == sorted(OBJECTIVES)
