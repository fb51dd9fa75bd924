"""``anomalia serve --models models:/NAME@champion`` as a real process; an alias move and reload."""

from __future__ import annotations

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
from mlflow.tracking import MlflowClient

from anomalia.cli.main import main
from anomalia.contract import read_observations
from anomalia.modelset import ModelSet

from .conftest import observations_file


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request_body(observations: pd.DataFrame) -> dict:
    series = []
    for series_id, rows in observations.groupby("series_id", sort=False):
        series.append(
            {
                "series_id": series_id,
                "timestamp": [t.isoformat() for t in rows["timestamp"]],
                "values": {"value": [None if np.isnan(v) else v for v in rows["value"]]},
            }
        )
    return {"series": series}


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory, store, tracking_on):
    """`served` versions 1 and 2 (zscore, windows 12 and 48), with their own scores."""
    folder = tmp_path_factory.mktemp("served")
    data = observations_file(folder, seed=5)
    observations = read_observations(data)
    expected = {}
    for version, window in ((1, 12), (2, 48)):
        models = folder / f"models-{version}"
        code = main(
            ["train", "--data", str(data), "--models", str(models), "--detector", "zscore",
             "--param", f"window={window}", "--train-fraction", "1", "--tracking-uri", str(store),
             "--register", "served", "--quiet"]
        )  # fmt: skip
        assert code == 0
        expected[version] = ModelSet.load(models / "zscore").score(observations, progress=False)
    assert not np.allclose(expected[1]["score"], expected[2]["score"])
    client = MlflowClient(f"sqlite:///{store.resolve() / 'mlflow.db'}")
    assert sorted(int(v.version) for v in client.search_model_versions("name = 'served'")) == [1, 2]
    return folder, observations, expected, client


def test_an_alias_move_is_served_after_reload(two_versions, store):
    folder, observations, expected, client = two_versions
    client.set_registered_model_alias("served", "champion", "1")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    anomalia = Path(sys.executable).with_name("anomalia")
    process = subprocess.Popen(
        [str(anomalia), "serve", "--models", "models:/served@champion",
         "--tracking-uri", str(store), "--port", str(port), "--quiet"],
        cwd=folder,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    body = request_body(observations)

    # The service writes scores with 10 significant digits; the two versions differ far more.
    def served_scores() -> tuple[int, np.ndarray]:
        answer = httpx.post(f"{base}/models/zscore/detect", json=body, timeout=60)
        assert answer.status_code == 200, answer.text
        reply = answer.json()
        return reply["version"], np.array([row["score"] for row in reply["scores"]])

    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/ready").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "the service did not become ready"
            time.sleep(0.3)
        version, scores = served_scores()
        assert version == 1
        np.testing.assert_allclose(scores, expected[1]["score"], rtol=1e-7, atol=1e-9)

        client.set_registered_model_alias("served", "champion", "2")
        _, still = served_scores()  # no reload yet: the old version still serves
        np.testing.assert_allclose(still, expected[1]["score"], rtol=1e-7, atol=1e-9)
        answer = httpx.post(f"{base}/models/served/reload", timeout=60)
        assert answer.status_code == 200, answer.text
        assert answer.json() == [{"name": "zscore", "version": 2, "serving": 2}]
        version, scores = served_scores()
        assert version == 2
        np.testing.assert_allclose(scores, expected[2]["score"], rtol=1e-7, atol=1e-9)

        # Back to version 1: the copy registered first serves again, no third version.
        client.set_registered_model_alias("served", "champion", "1")
        answer = httpx.post(f"{base}/models/zscore/reload", timeout=60)
        assert answer.json() == [{"name": "zscore", "version": 1, "serving": 1}]
        np.testing.assert_allclose(served_scores()[1], expected[1]["score"], rtol=1e-7, atol=1e-9)

        missing = httpx.post(f"{base}/models/nothing/reload", timeout=60)
        assert missing.status_code == 404
        assert "the service serves models:/served@champion" in missing.json()["detail"]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_reload_of_a_service_started_from_a_folder_is_a_404(tmp_path):
    from fastapi.testclient import TestClient

    from anomalia.service.main import create_app
    from anomalia.service.settings import Settings

    with TestClient(create_app(Settings(models_dir=tmp_path))) as client:
        answer = client.post("/models/zscore/reload")
    assert answer.status_code == 404
    assert "not served from MLflow" in answer.json()["detail"]
