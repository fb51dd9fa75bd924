"""Honest CLI errors: one line naming the file (exit 1 data, 2 usage); no silent defaults."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from anomalia.cli.main import main


def test_out_a_folder_is_a_data_error_naming_it(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["generate", "--out", "obs.parquet", "--events", "ev.parquet",
                 "--n-series", "1", "--length", "300", "--quiet"]) == 0  # fmt: skip
    assert main(["train", "--data", "obs.parquet", "--models", "m", "--detector", "zscore",
                 "--quiet"]) == 0  # fmt: skip
    (tmp_path / "taken").mkdir()
    capsys.readouterr()
    status = main(["detect", "--data", "obs.parquet", "--models", "m", "--out", "taken", "--quiet"])
    err = capsys.readouterr().err
    assert status == 1
    assert err.strip() == (
        "anomalia detect: error: taken: is a folder; expected the path of a file to write"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ev.parquet", "m", "obs.parquet", "taken"]


def test_train_fraction_zero_is_refused_not_replaced(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    status = main(["train", "--data", "none.parquet", "--train-fraction", "0", "--quiet"])
    assert status == 2
    assert "--train-fraction must be a number in (0, 1], got 0" in capsys.readouterr().err


@pytest.fixture
def trained(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["generate", "--out", "obs.parquet", "--events", "ev.parquet",
                 "--n-series", "1", "--length", "300", "--quiet"]) == 0  # fmt: skip
    assert main(["train", "--data", "obs.parquet", "--models", "m", "--detector", "zscore",
                 "--detector", "mad", "--quiet"]) == 0  # fmt: skip
    return tmp_path / "m"


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda m: (shutil.rmtree(m / "zscore" / "series-0000"),),
            "the manifest and the model folders disagree: it lists `series-0000`, "
            "which is not there",
        ),
        (
            lambda m: (
                shutil.rmtree(m / "zscore" / "series-0000"),
                shutil.copytree(m / "mad" / "series-0000", m / "zscore" / "series-0000"),
            ),
            "`series-0000` holds a `mad` model, the manifest says `zscore`",
        ),
        (
            lambda m: (m / "zscore" / "manifest.json").write_text('{"detector": "zscore"'),
            "manifest.json: not readable JSON",
        ),
        (
            lambda m: (m / "zscore" / "manifest.json").write_text('{"detector": "zscore"}'),
            "manifest.json: incomplete, `params` is missing",
        ),
    ],
)
def test_a_model_set_at_odds_with_its_manifest_is_refused(trained, capsys, damage, message):
    damage(trained)
    capsys.readouterr()
    status = main(["detect", "--data", "obs.parquet", "--models", "m", "--out", "s.parquet"])
    err = capsys.readouterr().err
    assert status == 1, err
    assert message in err and "Traceback" not in err
    assert str(Path("m") / "zscore" / "manifest.json") in err
