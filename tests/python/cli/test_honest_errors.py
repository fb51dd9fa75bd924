"""Honest CLI errors: file-system errors are one line naming the file (exit 1); no silent defaults."""

from __future__ import annotations

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
    assert "--train-fraction must be in (0, 1], got 0.0" in capsys.readouterr().err
