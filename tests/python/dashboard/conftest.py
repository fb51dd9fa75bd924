"""A live stack for the dashboard's tests: a DuckDB store with one scored series, a model."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from anomalia.modelset import ModelSet
from anomalia.store import open_store

SERIES = "s1"
START = pd.Timestamp("2026-01-01", tz="UTC")
STEP = pd.Timedelta("5min")
HISTORY = 300


@dataclass
class Stack:
    """Paths and URL of the test's store and model root, and how to score what it holds."""

    url: str
    models: Path
    state: Path
    env: dict[str, str]

    def stream_once(self) -> None:
        """The real ``anomalia stream --once``: scores new points, writes scores and alerts."""
        subprocess.run(
            [sys.executable, "-m", "anomalia.cli.main", "stream", "--once", "--quiet",
             "--store", self.url, "--models", str(self.models), "--state", str(self.state)],
            env=self.env, check=True, timeout=120,
        )  # fmt: skip


def points(first: int, count: int, spike: float = 0.0) -> pd.DataFrame:
    """Rows ``first`` .. ``first + count - 1`` of series s1: a noisy sine, 5 minutes apart."""
    rows = np.arange(first, first + count)
    noise = np.random.default_rng(first + 10_000).normal(scale=0.2, size=count)
    values = np.sin(2 * np.pi * rows / 48) + noise
    values[-1] += spike
    return pd.DataFrame({"series_id": SERIES, "timestamp": START + rows * STEP, "value": values})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def stack(tmp_path) -> Stack:
    """A store holding 300 points of s1, scored by a zscore model trained on 600 others."""
    models = tmp_path / "models"
    training = points(-600, 600)
    ModelSet("zscore", params={"window": 24}).fit(training, progress=False).save(models / "zscore")
    url = f"duckdb:///{tmp_path / 'live.duckdb'}"
    with open_store(url) as store:
        store.write_observations(points(0, HISTORY))
    env = {**os.environ, "ANOMALIA_TRACKING": "off"}
    built = Stack(url, models, tmp_path / "state", env)
    built.stream_once()
    return built
