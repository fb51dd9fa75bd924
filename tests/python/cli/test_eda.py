"""``anomalia eda``: the R Markdown report through Rscript, and its errors."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from anomalia.cli.main import main
from anomalia.contract import write_observations

pytestmark = pytest.mark.skipif(
    shutil.which("Rscript") is None, reason="R is not installed (deployment/install_system.sh)"
)


def test_eda_writes_the_report(tmp_path):
    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame(
        {
            "series_id": "web",
            "timestamp": pd.date_range("2024-01-01", periods=n, freq="h", tz="UTC"),
            "value": np.sin(2 * np.pi * np.arange(n) / 24) + 0.2 * rng.normal(size=n),
        }
    )
    write_observations(frame, tmp_path / "web.parquet")
    out = tmp_path / "report" / "web.html"
    assert main(["eda", str(tmp_path / "web.parquet"), "--out", str(out), "--quiet"]) == 0
    html = out.read_text()
    assert "STL decomposition" in html
    assert "data:image/png;base64" in html


def test_eda_reports_a_contract_error_in_one_line(tmp_path, capsys):
    frame = pd.DataFrame(
        {
            "series_id": "web",
            "timestamp": pd.date_range("2024-01-01", periods=3, freq="h"),
            "value": [1.0, 2.0, 3.0],
        }
    )
    frame.to_parquet(tmp_path / "naive.parquet")
    status = main(["eda", str(tmp_path / "naive.parquet"), "--quiet"])
    error = capsys.readouterr().err.strip()
    assert status == 1
    assert error.startswith("anomalia eda: error: ")
    assert "column `timestamp`: timestamps have no timezone" in error
    assert len(error.splitlines()) == 1


def test_eda_missing_file_is_a_data_error(tmp_path, capsys):
    assert main(["eda", str(tmp_path / "none.parquet"), "--quiet"]) == 1
    assert "none.parquet: no such file" in capsys.readouterr().err


def test_eda_without_the_r_package_names_the_fix(tmp_path, monkeypatch, capsys):
    frame = pd.DataFrame(
        {
            "series_id": "web",
            "timestamp": pd.date_range("2024-01-01", periods=3, freq="h", tz="UTC"),
            "value": [1.0, 2.0, 3.0],
        }
    )
    write_observations(frame, tmp_path / "web.parquet")
    monkeypatch.setenv("ANOMALIA_R_LIBRARY", str(tmp_path))
    monkeypatch.setenv("R_LIBS", str(tmp_path))
    assert main(["eda", str(tmp_path / "web.parquet"), "--quiet"]) == 2
    error = capsys.readouterr().err
    assert "the R package anomaliaR is not installed" in error
    assert "make install" in error


def test_eda_plots_every_value_column(tmp_path):
    rng = np.random.default_rng(1)
    n = 200
    pressure = rng.normal(size=n)
    pressure[150] += 12  # the anomaly is in the second column only
    frame = pd.DataFrame(
        {
            "series_id": "pump",
            "timestamp": pd.date_range("2024-01-01", periods=n, freq="h", tz="UTC"),
            "temperature": np.sin(2 * np.pi * np.arange(n) / 24) + 0.2 * rng.normal(size=n),
            "pressure": pressure,
        }
    )
    write_observations(frame, tmp_path / "pump.parquet")
    out = tmp_path / "pump.html"
    assert main(["eda", str(tmp_path / "pump.parquet"), "--out", str(out), "--quiet"]) == 0
    html = " ".join(out.read_text().split())  # pandoc wraps lines anywhere
    assert "every value column" in html
    assert "<code>pressure</code>" in html and "<code>temperature</code>" in html
