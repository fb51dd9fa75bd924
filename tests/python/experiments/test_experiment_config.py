"""Experiment files: validated with messages naming the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from anomalia.exceptions import ConfigError
from anomalia.experiments import load_experiment

SHIPPED = sorted(Path(__file__).parents[3].joinpath("configs", "experiments").glob("*.yaml"))

VALID = {
    "name": "small",
    "data": {"synthetic": {"n_series": 1, "length": 300}},
    "detectors": {"zscore": {"window": 24}, "mad": None},
}


def write(tmp_path: Path, content: dict) -> Path:
    path = tmp_path / "experiment.yaml"
    path.write_text(yaml.safe_dump(content))
    return path


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_experiments_are_valid(path):
    assert load_experiment(path).detectors


def test_defaults_fill_what_is_left_out(tmp_path):
    config = load_experiment(write(tmp_path, VALID))
    assert config.detectors == {"zscore": {"window": 24}, "mad": {}}
    assert config.threshold == {"method": "quantile", "contamination": 0.01}
    assert config.evaluation.primary == "nab_standard"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"data": {}}, "`data`: give exactly one of `path`"),
        ({"data": {"path": "x.parquet", "synthetic": {}}}, "give exactly one of"),
        ({"detectors": {"prophet": {}}}, "`detectors`: unknown detector `prophet`"),
        ({"detectors": {}}, "`detectors`"),
        ({"threshold": {"method": "budget"}}, "`threshold`: give exactly one of `alerts_per_day`"),
        ({"evaluation": {"primary": "accuracy"}}, "`evaluation.primary`: unknown metric"),
        ({"evaluation": {"train_fraction": 1.0}}, "`evaluation.train_fraction`"),
        ({"tracking": "x"}, "`tracking`: Extra inputs are not permitted"),
    ],
)
def test_bad_experiments_name_the_file_and_key(tmp_path, change, message):
    path = write(tmp_path, {**VALID, **change})
    with pytest.raises(ConfigError, match=message) as error:
        load_experiment(path)
    assert str(path) in str(error.value)


def test_missing_file_is_explained(tmp_path):
    with pytest.raises(ConfigError, match="no such experiment file"):
        load_experiment(tmp_path / "nope.yaml")
