"""Parameters tuned with caret in R are accepted by `anomalia train --params`."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd

from anomalia.contract import write_observations

from .conftest import run_r


def test_tuned_stl_parameters_train_from_the_cli(r_env, tmp_path):
    params = tmp_path / "stl.json"
    run_r(
        "library(anomaliaR); set.seed(1); n <- 360;"
        "x <- sin(2 * pi * seq_len(n) / 24) + 0.3 * rnorm(n); spikes <- c(230, 300);"
        "x[spikes] <- x[spikes] + 6; labels <- as.integer(seq_len(n) %in% spikes);"
        "grid <- data.frame(period = 24, seasonal_window = c(0, 13), contamination = 0.01);"
        "tuned <- tune_detector(x, labels, 'stl', grid = grid, initial_window = 200, horizon = 80);"
        f"write_params(tuned, '{params}')",
        r_env,
    )
    tuned = json.loads(params.read_text())
    assert set(tuned) == {"period", "seasonal_window", "contamination"}
    assert tuned["period"] == 24

    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "series_id": "cpu",
            "timestamp": pd.date_range("2024-01-01", periods=240, freq="h", tz="UTC"),
            "value": np.sin(2 * np.pi * np.arange(240) / 24) + 0.3 * rng.normal(size=240),
        }
    )
    write_observations(frame, tmp_path / "data.parquet")
    result = subprocess.run(
        [sys.executable, "-m", "anomalia.cli.main", "train", "--data", "data.parquet"]
        + ["--models", "models", "--detector", "stl", "--params", str(params), "--quiet"],
        cwd=tmp_path,
        env=r_env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    saved = next((tmp_path / "models" / "stl").rglob("config.json"))
    saved_params = json.loads(saved.read_text())["params"]
    contamination = tuned.pop("contamination")  # the threshold's setting, not the detector's
    assert {name: saved_params[name] for name in tuned} == tuned
    manifest = json.loads((tmp_path / "models" / "stl" / "manifest.json").read_text())
    assert manifest["threshold"]["contamination"] == contamination
