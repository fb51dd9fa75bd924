"""Model sets on disk are data: every threshold survives; pickles and altered files are refused."""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from anomalia.cli.main import main
from anomalia.contract import validate_observations
from anomalia.exceptions import DataError
from anomalia.modelset import ModelSet
from anomalia.persist import FORMAT_VERSION

PACKAGE = Path(__file__).resolve().parents[2] / "python" / "anomalia"


def make_observations(n: int = 1200) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    parts = []
    for offset, series_id in enumerate(("cpu", "temp")):
        values = np.sin(np.arange(n) / 8) + 0.2 * rng.normal(size=n) + 10 * offset
        values[[700, 1000]] += 5
        parts.append(
            pd.DataFrame(
                {
                    "series_id": series_id,
                    "timestamp": pd.date_range("2026-01-01", periods=n, freq="5min", tz="UTC"),
                    "value": values,
                }
            )
        )
    return validate_observations(pd.concat(parts, ignore_index=True))


class Payload:
    """Unpickling this runs a shell command that creates ``path``."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def plant_pickle(model_dir: Path, marker: Path, name: str = "series-0000/threshold.pkl") -> None:
    """Put a pickle that would create ``marker`` into a saved model set."""
    (model_dir / name).write_bytes(pickle.dumps(Payload(marker)))


@pytest.fixture(scope="module")
def observations() -> pd.DataFrame:
    return make_observations()


@pytest.fixture(scope="module")
def saved(tmp_path_factory, observations) -> Path:
    """A zscore model set over two series, saved once."""
    folder = tmp_path_factory.mktemp("models") / "zscore"
    ModelSet("zscore", {"window": 24}).fit(observations, train_fraction=0.5, progress=False).save(
        folder
    )
    return folder


@pytest.fixture
def copy(saved, tmp_path) -> Path:
    """A copy of the saved model set that a test may alter."""
    return Path(shutil.copytree(saved, tmp_path / "zscore"))


@pytest.mark.parametrize(
    "threshold",
    [
        {"method": "static", "value": 3.0},
        {"method": "quantile", "contamination": 0.02},
        {"method": "pot", "risk": 1e-3},
        {"method": "spot", "risk": 1e-3, "refit_every": 5},
        {"method": "dynamic", "window": 100},
        {"method": "budget", "alerts_per_day": 2},
    ],
    ids=lambda spec: spec["method"],
)
def test_every_threshold_survives_save_and_load(tmp_path, observations, threshold):
    model_set = ModelSet("zscore", {"window": 24}, threshold)
    model_set.fit(observations, train_fraction=0.5, progress=False)
    model_set.save(tmp_path / "model")  # saved before scoring, which may move streaming state
    loaded = ModelSet.load(tmp_path / "model")
    assert not list((tmp_path / "model").rglob("*.pkl"))
    pd.testing.assert_frame_equal(
        loaded.score(observations, progress=False), model_set.score(observations, progress=False)
    )
    member = loaded.members_["cpu"]
    assert type(member.threshold) is type(model_set.members_["cpu"].threshold)
    assert member.threshold.get_params() == model_set.members_["cpu"].threshold.get_params()


def test_manifest_records_format_and_fingerprints(saved):
    manifest = json.loads((saved / "manifest.json").read_text())
    assert manifest["format_version"] == FORMAT_VERSION
    config = json.loads((saved / "series-0000" / "config.json").read_text())
    assert manifest["series"][0]["train_fingerprint"] == config["train_fingerprint"]
    assert config["format_version"] == FORMAT_VERSION


def test_an_old_pickled_model_set_says_retrain_and_is_not_unpickled(copy, tmp_path):
    marker = tmp_path / "ran"
    # As an older anomalia wrote it: state and threshold pickled, no format version.
    for folder in ("series-0000", "series-0001"):
        for stem in ("state", "threshold"):
            plant_pickle(copy, marker, f"{folder}/{stem}.pkl")
            for suffix in (".json", ".npz"):
                (copy / folder / f"{stem}{suffix}").unlink(missing_ok=True)
    manifest = json.loads((copy / "manifest.json").read_text())
    del manifest["format_version"]
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DataError, match=r"pickles \(series-0000/state.pkl\).*`anomalia train`"):
        ModelSet.load(copy)
    assert not marker.exists()


def test_a_pickle_added_to_a_current_model_set_is_refused(copy, tmp_path):
    marker = tmp_path / "ran"
    plant_pickle(copy, marker, "series-0001/extra.pkl")
    with pytest.raises(DataError, match=r"pickles \(series-0001/extra.pkl\)"):
        ModelSet.load(copy)
    assert not marker.exists()


def test_a_manifest_without_format_version_says_retrain(copy):
    manifest = json.loads((copy / "manifest.json").read_text())
    del manifest["format_version"]
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DataError, match="no `format_version`.*train the model again"):
        ModelSet.load(copy)


def test_a_newer_format_says_upgrade(copy):
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest.update(format_version=FORMAT_VERSION + 1, anomalia_version="9.0.0")
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DataError, match="written by anomalia 9.0.0 .* upgrade anomalia"):
        ModelSet.load(copy)


def test_a_threshold_from_another_series_is_refused(copy):
    for suffix in (".json", ".npz"):
        source = copy / "series-0001" / f"threshold{suffix}"
        if source.exists():
            shutil.copy(source, copy / "series-0000" / f"threshold{suffix}")
    with pytest.raises(DataError, match="series-0000/threshold.json: saved for a model with"):
        ModelSet.load(copy)


def test_a_model_from_another_run_is_refused(copy):
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["series"][0]["train_fingerprint"] = "0" * 16
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DataError, match="series `cpu` was trained on data with fingerprint 0+, "):
        ModelSet.load(copy)


def test_an_edited_config_fingerprint_is_refused(copy):
    config_file = copy / "series-0000" / "config.json"
    config = json.loads(config_file.read_text())
    config["train_fingerprint"] = "f" * 16
    config_file.write_text(json.dumps(config))
    with pytest.raises(DataError, match="sits with a model of fingerprint f+"):
        ModelSet.load(copy)


def test_a_series_folder_outside_the_model_set_is_refused(copy):
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["series"][0]["folder"] = "../elsewhere"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DataError, match="series folder '../elsewhere' is not a plain name"):
        ModelSet.load(copy)


def test_detect_on_pickled_models_exits_1_and_runs_nothing(copy, tmp_path, observations, capsys):
    marker = tmp_path / "ran"
    plant_pickle(copy, marker)
    data = tmp_path / "obs.parquet"
    observations.to_parquet(data)
    status = main(
        ["detect", "--data", str(data), "--models", str(copy.parent), "--out",
         str(tmp_path / "scores.parquet"), "--quiet"]
    )  # fmt: skip
    assert status == 1
    assert "anomalia train" in capsys.readouterr().err
    assert not marker.exists()


def test_the_package_never_unpickles():
    unsafe = re.compile(
        r"^\s*(import (pickle|dill|cloudpickle|joblib)|from (pickle|dill|cloudpickle|joblib) )"
        r"|pickle\.loads?\(|joblib\.load\(|allow_pickle=True|trusted=True",
        re.MULTILINE,
    )
    offenders = [
        f"{path.relative_to(PACKAGE)}: {match.group(0).strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for match in unsafe.finditer(path.read_text())
    ]
    assert not offenders, offenders


def test_a_threshold_naming_an_unknown_method_is_refused(copy):
    threshold_file = copy / "series-0000" / "threshold.json"
    header = json.loads(threshold_file.read_text())
    header["state"]["method"] = "exec"
    threshold_file.write_text(json.dumps(header))
    with pytest.raises(DataError, match="threshold.json: not a saved threshold .*unknown"):
        ModelSet.load(copy)
