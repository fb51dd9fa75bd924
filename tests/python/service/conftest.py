"""Fixtures for the service tests: models trained in a tmp folder, a real uvicorn server.

Each server runs in a thread on its own loopback socket (bound to port 0, so
no two tests race for a port) and is stopped by the fixture.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
import uvicorn

from anomalia.contract import validate_observations
from anomalia.modelset import ModelSet
from anomalia.service.main import create_app
from anomalia.service.settings import Settings

SERIES = ("cpu", "temp")
N_POINTS = 800
N_TRAIN = 600
PERIOD = 48
START = pd.Timestamp("2026-01-01", tz="UTC")
API_KEY = "test-key"  # registration routes always need one
STEP = pd.Timedelta("5min")


def make_observations(
    seed: int = 0, n: int = N_POINTS, start: pd.Timestamp = START
) -> pd.DataFrame:
    """Two noisy sines (period 48 points, 5-minute steps), one level apart."""
    rng = np.random.default_rng(seed)
    parts = []
    for offset, series_id in enumerate(SERIES):
        time_index = np.arange(n)
        values = 10 * offset + np.sin(2 * np.pi * time_index / PERIOD) + 0.1 * rng.normal(size=n)
        parts.append(
            pd.DataFrame(
                {
                    "series_id": series_id,
                    "timestamp": start + STEP * time_index,
                    "value": values,
                }
            )
        )
    return validate_observations(pd.concat(parts, ignore_index=True))


def train_models(root: Path, zscore_window: int = 24) -> Path:
    """Train ``zscore`` and ``iforest`` on the first 600 points of each series into ``root``."""
    observations = make_observations()
    for detector, params in (
        ("zscore", {"window": zscore_window}),
        ("iforest", {"random_state": 0}),
    ):
        model_set = ModelSet(detector, params)
        model_set.fit(observations, train_fraction=N_TRAIN / N_POINTS, progress=False)
        model_set.save(root / detector)
    return root


@pytest.fixture(scope="session")
def trained_root(tmp_path_factory) -> Path:
    """Models trained once per session (copied per server, which writes its registry)."""
    return train_models(tmp_path_factory.mktemp("trained"))


@dataclass
class Server:
    url: str
    settings: Settings
    app: object

    def client(self, **kwargs) -> httpx.Client:
        """A client that sends the API key when the server has one."""
        if self.settings.api_key is not None:
            key = self.settings.api_key.get_secret_value()
            kwargs["headers"] = {"X-API-Key": key, **kwargs.get("headers", {})}
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)


def detect_body(frame: pd.DataFrame) -> dict:
    """A JSON detect request for the series of ``frame``."""
    return {
        "series": [
            {
                "series_id": series_id,
                "timestamp": part["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ").tolist(),
                "values": {"value": part["value"].tolist()},
            }
            for series_id, part in frame.groupby("series_id", sort=False)
        ]
    }


@pytest.fixture
def start_server(tmp_path, trained_root) -> Iterator[Callable[..., Server]]:
    """Start servers with the given settings over a copy of the trained models; stop them after."""
    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(models_dir: Path | None = None, wait_ready: bool = True, **overrides) -> Server:
        if models_dir is None:
            models_dir = tmp_path / f"models-{len(running)}"
            shutil.copytree(trained_root, models_dir)
        settings = Settings(models_dir=models_dir, import_root=tmp_path, **overrides)
        app = create_app(settings)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        running.append((server, thread))
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        url = f"http://127.0.0.1:{port}"
        headers = {"X-API-Key": settings.api_key.get_secret_value()} if settings.api_key else {}
        while wait_ready and httpx.get(f"{url}/ready", headers=headers).status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError("models did not load")
            time.sleep(0.05)
        return Server(url, settings, app)

    yield start
    for server, thread in running:
        server.should_exit = True
        thread.join(timeout=30)
