"""File-system errors end in one line naming the file and exit status 1, never a traceback."""

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
