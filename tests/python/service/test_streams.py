"""/v1/streams against a real server: `anomalia serve` on a free loopback port.

One server process per test module keeps the file fast; the kill -9 test starts
its own and kills it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest

from anomalia.contract import validate_observations
from anomalia.engine import advance, start
from anomalia.modelset import ModelSet

START = pd.Timestamp("2026-01-01", tz="UTC")
STEP = pd.Timedelta("5min")
N_TRAIN = 1000


def series_values(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 50 + 10 * np.sin(2 * np.pi * np.arange(n) / 288) + rng.normal(size=n)


def stamps(first: int, n: int) -> list[str]:
    return [(START + (first + k) * STEP).isoformat() for k in range(n)]


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("stream-models")
    frame = validate_observations(
        pd.DataFrame(
            {
                "series_id": "cpu",
                "timestamp": pd.date_range(START, periods=N_TRAIN, freq=STEP),
                "value": series_values(N_TRAIN, seed=0),
            }
        )
    )
    new_series = {"method": "auto_fit", "points": 100}
    model_set = ModelSet("zscore", {"window": 48}, new_series=new_series)
    model_set.fit(frame, progress=False).save(root / "models" / "zscore")
    return root


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(root: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """`anomalia serve` on a free port with its state under ``root``; stopped afterwards."""
    port = free_port()
    anomalia = Path(sys.executable).with_name("anomalia")
    # No fsync: a killed process loses nothing without it (the kernel holds the write).
    env = {
        **os.environ,
        "ANOMALIA_STREAMS_DIR": str(root / "streams"),
        "ANOMALIA_STREAMS_FSYNC": "false",
    }
    env.pop("ANOMALIA_API_KEY", None)
    process = subprocess.Popen(
        [str(anomalia), "serve", "--models", str(root / "models"), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/ready").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
        yield url, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def send(client: httpx.Client, series: str, first: int, values: np.ndarray) -> httpx.Response:
    body = {"timestamp": stamps(first, len(values)), "values": {"value": values.tolist()}}
    return client.post(f"/v1/streams/zscore/{series}", json=body)


def test_a_spike_in_a_stream_of_single_points_is_flagged(models):
    values = series_values(N_TRAIN + 2000, seed=0)[N_TRAIN:]
    values[1500] += 15
    with server(models) as (url, _), httpx.Client(base_url=url, timeout=30) as client:
        answers = []
        for k, value in enumerate(values):
            response = send(client, "cpu", N_TRAIN + k, np.array([value]))
            assert response.status_code == 200, response.text
            answers.extend(response.json()["scores"])
        summary = client.get("/v1/streams/zscore/cpu").json()
        # An older timestamp that is not a re-send is refused, naming both timestamps.
        old = send(client, "cpu", 10, np.array([1.0]))
    flags = np.array([a["is_anomaly"] for a in answers])
    status = [a["status"] for a in answers]
    assert flags[1500]
    assert flags.sum() <= 40  # quantile threshold: about 1% of points
    assert status[:48] == ["warming_up"] * 48 and set(status[48:]) == {"ok"}
    assert not flags[:48].any()
    assert summary["points_seen"] == 2000 and summary["warming_up"] is False
    assert summary["last_score"] == pytest.approx(answers[-1]["score"])
    assert old.status_code == 409
    detail = old.json()["detail"]
    assert stamps(10, 1)[0] in detail and stamps(N_TRAIN + 1999, 1)[0] in detail


def test_a_series_the_model_never_saw_warms_up_then_is_scored(models):
    values = 3 * series_values(300, seed=5) + 100
    values[250] += 60
    with server(models) as (url, _), httpx.Client(base_url=url, timeout=30) as client:
        answers = []
        for k, value in enumerate(values):
            response = send(client, "my-new-host", k, np.array([value]))
            assert response.status_code == 200, response.text
            answers.extend(response.json()["scores"])
        summary = client.get("/v1/streams/zscore/my-new-host").json()
        unknown = client.get("/v1/streams/zscore/nobody")
    status = [a["status"] for a in answers]
    flags = np.array([a["is_anomaly"] for a in answers])
    assert status[:100] == ["warming_up"] * 100 and set(status[100:]) == {"ok"}
    assert all(a["threshold"] is None for a in answers[:100])  # nothing can be flagged yet
    scores = np.array([a["score"] for a in answers])
    # 100 points make a rough quantile threshold; the spike stands out all the same.
    assert flags[250] and int(np.argmax(scores)) == 250 and flags.sum() <= 20
    assert summary["points_seen"] == 300 and summary["warming_up"] is False
    assert unknown.status_code == 404


def test_kill_9_mid_stream_loses_nothing_and_updates_nothing_twice(models, tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "models").symlink_to(models / "models")
    values = series_values(N_TRAIN + 400, seed=0)[N_TRAIN:]
    values[300] += 15
    received: dict[int, dict] = {}

    def stream(url: str) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            for k in range(400):
                try:
                    response = send(client, "cpu", N_TRAIN + k, values[k : k + 1])
                except httpx.TransportError:
                    return  # the server died under this request
                received[k] = response.json()["scores"][0]

    with server(root) as (url, process):
        client_thread = threading.Thread(target=stream, args=(url,))
        client_thread.start()
        while len(received) < 150:
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)  # requests are in flight
        process.wait(timeout=30)
        client_thread.join(timeout=60)
    answered = len(received)
    assert 150 <= answered < 400
    with server(root) as (url, _), httpx.Client(base_url=url, timeout=30) as client:
        seen = client.get("/v1/streams/zscore/cpu").json()["points_seen"]
        # Every answered point survived; at most the one in flight was scored unanswered.
        assert seen in (answered, answered + 1)
        # The client re-sends from 20 points before its first missing answer.
        again = send(client, "cpu", N_TRAIN + answered - 20, values[answered - 20 : answered])
        assert again.json()["scores"] == [received[k] for k in range(answered - 20, answered)]
        assert client.get("/v1/streams/zscore/cpu").json()["points_seen"] == seen
        for k in range(answered, 400):
            received[k] = send(client, "cpu", N_TRAIN + k, values[k : k + 1]).json()["scores"][0]
        assert client.get("/v1/streams/zscore/cpu").json()["points_seen"] == 400
    # The answers are those of the engine scoring the 400 points in one go.
    member = ModelSet.load(models / "models" / "zscore").members_["cpu"]
    whole, _ = advance(member, start(member), values)
    got = [received[k] for k in range(400)]
    np.testing.assert_allclose([a["score"] for a in got], whole.score, rtol=0, atol=1e-12)
    np.testing.assert_array_equal([a["is_anomaly"] for a in got], whole.is_anomaly)
    assert got[300]["is_anomaly"]
