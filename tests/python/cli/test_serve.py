"""``anomalia monitor`` on a scores file, and ``anomalia serve`` run as a real process."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest

from anomalia.cli.main import main
from anomalia.contract import validate_observations, write_observations, write_scores
from anomalia.modelset import ModelSet


def observations(shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    parts = []
    for offset, series_id in enumerate(["a", "b"]):
        values = 5 * offset + np.sin(np.arange(400) / 8) + 0.1 * rng.normal(size=400)
        values[300] += 6
        if series_id == "a":
            values += shift
        parts.append(
            pd.DataFrame(
                {
                    "series_id": series_id,
                    "timestamp": pd.date_range("2026-01-01", periods=400, freq="5min", tz="UTC"),
                    "value": values,
                }
            )
        )
    return validate_observations(pd.concat(parts, ignore_index=True))


@pytest.fixture
def scored(tmp_path) -> tuple[Path, Path, pd.DataFrame]:
    """A model root with `zscore` trained on the first half, and the scores of all rows."""
    model_set = ModelSet("zscore", {"window": 16}).fit(
        observations(), train_fraction=0.5, progress=False
    )
    model_set.save(tmp_path / "models" / "zscore")
    scores = model_set.score(observations(), progress=False)
    write_scores(scores, tmp_path / "scores.parquet")
    return tmp_path / "scores.parquet", tmp_path / "models", scores


def test_monitor_json_summary(scored, capsys):
    path, _, scores = scored
    assert main(["monitor", str(path), "--json", "--quiet"]) == 0
    summary = {
        (r["detector"], r["series_id"]): r for r in json.loads(capsys.readouterr().out)["summary"]
    }
    for series_id in ("a", "b"):
        part = scores[scores["series_id"] == series_id]
        row = summary[("zscore", series_id)]
        assert row["points"] == 400
        assert row["anomalies"] == int(part["is_anomaly"].sum())
        assert row["rate"] == pytest.approx(part["is_anomaly"].mean())
        assert row["score_p99"] == pytest.approx(np.quantile(part["score"], 0.99))
        assert row["score_max"] == pytest.approx(part["score"].max())
    overall = summary[("zscore", "(all)")]
    assert overall["points"] == 800
    assert overall["anomalies"] == int(scores["is_anomaly"].sum())


def test_monitor_table_and_drift(scored, tmp_path, capsys):
    path, models, _ = scored
    shifted = tmp_path / "shifted.parquet"
    write_observations(observations(shift=3.0), shifted)
    code = main(["monitor", str(path), "--data", str(shifted), "--models", str(models), "--quiet"])
    assert code == 0
    out = capsys.readouterr().out
    assert "score_p99" in out and "(all)" in out
    assert (
        main(["monitor", str(path), "--data", str(shifted), "--models", str(models), "--json"]) == 0
    )
    drift = {r["series_id"]: r for r in json.loads(capsys.readouterr().out)["drift"]}
    assert drift["a"]["psi"] > 1.0 and drift["a"]["ks"] > 0.5
    assert drift["b"]["psi"] < 0.5


def test_monitor_usage_errors(scored, tmp_path, capsys):
    path, _, _ = scored
    assert main(["monitor", str(path), "--data", str(path)]) == 2
    assert "--data and --models go together" in capsys.readouterr().err
    assert main(["monitor", str(tmp_path / "missing.parquet")]) == 1
    assert "no such file" in capsys.readouterr().err


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_process_answers_and_stops(scored, tmp_path):
    _, models, _ = scored
    port = free_port()
    anomalia = Path(sys.executable).with_name("anomalia")
    process = subprocess.Popen(
        [str(anomalia), "serve", "--models", str(models), "--port", str(port)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
        models_listed = httpx.get(f"http://127.0.0.1:{port}/models").json()
        assert [m["name"] for m in models_listed] == ["zscore"]
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so supervisors see the signal.
    assert process.returncode in (0, -signal.SIGTERM)
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert "Application shutdown complete." in [e["message"] for e in lines]
    access = [e for e in lines if e["logger"] == "anomalia.service.access"]
    assert [e["path"] for e in access][-1] == "/models"
    assert all({"time", "level", "request_id", "status", "latency_ms"} <= set(e) for e in access)
