"""The plumber service, started for real on a free loopback port.

The last test is the R half's done-when check: `anomalia detect --detector
sarima` (the CLI, through rpy2) and `POST /sarima/detect` give the same
scores for the same input.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

httpx = pytest.importorskip("httpx")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def service(r_env) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        ["Rscript", "-e", f"anomaliaR::serve(host = '127.0.0.1', port = {port})"],
        env=r_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"the R service exited: {process.stderr.read()}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the R service did not answer /health within 90 s")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_health(service):
    answer = httpx.get(f"{service}/health").json()
    assert answer["status"] == "ok"
    assert answer["version"] == "0.1.0"


def test_impute_fills_and_flags(service):
    response = httpx.post(f"{service}/impute", json={"values": [1.0, None, None, 4.0]})
    assert response.status_code == 200
    assert response.json() == {"values": [1, 2, 3, 4], "imputed": [False, True, True, False]}


@pytest.mark.parametrize(
    ("route", "body", "message"),
    [
        ("/impute", '{"values": [1, null', "must be valid JSON"),
        ("/impute", "[1, 2]", "must be a JSON object"),
        ("/impute", '{"values": ["a"]}', "`values` must be an array of numbers"),
        ("/sarima/detect", '{"values": [1, 2]}', "`train` must be an array of numbers"),
        ("/sarima/detect", '{"train": [1, 2, 3], "params": {"lags": 2}}', "not `lags`"),
    ],
)
def test_malformed_bodies_get_400_naming_the_problem(service, route, body, message):
    response = httpx.post(
        f"{service}{route}", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert message in response.json()["error"]


def _observations(path: Path) -> pd.DataFrame:
    from anomalia.contract import write_observations

    rng = np.random.default_rng(7)
    n = 480
    values = np.sin(2 * np.pi * np.arange(n) / 24) + 0.3 * rng.normal(size=n)
    values[400] += 6
    frame = pd.DataFrame(
        {
            "series_id": "cpu",
            "timestamp": pd.date_range("2024-01-01", periods=n, freq="h", tz="UTC"),
            "value": values,
        }
    )
    write_observations(frame, path)
    return frame


def test_cli_detect_and_the_service_give_the_same_scores(service, r_env, tmp_path):
    from anomalia.contract import read_scores
    from anomalia.modelset import saved_train_ends

    frame = _observations(tmp_path / "data.parquet")
    cli = [sys.executable, "-m", "anomalia.cli.main"]
    common = ["--data", "data.parquet", "--models", "models", "--quiet"]
    for command in (
        ["train", *common, "--detector", "sarima", "--train-fraction", "0.5"],
        ["detect", *common, "--detector", "sarima", "--out", "scores.parquet"],
    ):
        result = subprocess.run(
            cli + command, cwd=tmp_path, env=r_env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
    scores = read_scores(tmp_path / "scores.parquet")
    train_end = saved_train_ends(tmp_path / "models" / "sarima")["cpu"]
    train = frame.loc[frame["timestamp"] <= train_end, "value"]
    assert len(train) == 240

    response = httpx.post(
        f"{service}/sarima/detect",
        json={"train": train.tolist(), "values": frame["value"].tolist()},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    served = np.array(response.json()["scores"])
    np.testing.assert_allclose(scores["score"].to_numpy(), served, rtol=1e-12, atol=1e-12)
    assert int(np.argmax(served)) == 400
