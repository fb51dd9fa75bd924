"""Shared fixtures: small synthetic series with known anomalies (numpy only).

Every series is a noisy sine (period 50) of 1200 points, built from a fixed
seed, with additive spikes at known rows. Labels mark the spikes with 1.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest

# Training logs an MLflow run by default, and MLflow's SQLite store takes seconds
# to set up: the suite trains untracked (subprocesses too) unless a test turns it on.
os.environ["ANOMALIA_TRACKING"] = "off"

N_POINTS = 1200
PERIOD = 50
SPIKE = 6.0


@dataclass(frozen=True)
class LabelledSeries:
    """Values of shape (n,) or (n, n_columns), 0/1 labels and the spiked rows."""

    values: np.ndarray
    labels: np.ndarray
    anomalies: tuple[int, ...]


def _noisy_sine(seed: int, columns: int | None = None) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shape = (N_POINTS,) if columns is None else (N_POINTS, columns)
    phase = rng.uniform(0, 2 * np.pi, size=shape[1:])
    time = np.arange(N_POINTS).reshape(-1, *([1] * (len(shape) - 1)))
    return np.sin(2 * np.pi * time / PERIOD + phase) + 0.3 * rng.normal(size=shape)


def _with_spikes(
    values: np.ndarray, rows: tuple[int, ...], columns: tuple[int, ...] | None = None
) -> LabelledSeries:
    values = values.copy()
    labels = np.zeros(len(values), dtype=np.int8)
    for position, row in enumerate(rows):
        if values.ndim == 1:
            values[row] += SPIKE
        else:
            values[row, columns[position]] += SPIKE
        labels[row] = 1
    return LabelledSeries(values, labels, rows)


@pytest.fixture
def train_series() -> LabelledSeries:
    """Univariate training series with spikes at rows 300, 650 and 1000."""
    return _with_spikes(_noisy_sine(seed=1), (300, 650, 1000))


@pytest.fixture
def spiky_series() -> LabelledSeries:
    """A fresh univariate series (another seed) with one spike at row 700."""
    return _with_spikes(_noisy_sine(seed=2), (700,))


@pytest.fixture
def clean_series() -> np.ndarray:
    """A univariate series from the same process, without anomalies."""
    return _noisy_sine(seed=3)


@pytest.fixture
def multivariate_train() -> LabelledSeries:
    """Three columns with one training spike in each (rows 250, 550, 850)."""
    return _with_spikes(_noisy_sine(seed=4, columns=3), (250, 550, 850), columns=(0, 1, 2))


@pytest.fixture
def multivariate_spiky() -> LabelledSeries:
    """Three fresh columns with one spike, in column 2, at row 700."""
    return _with_spikes(_noisy_sine(seed=5, columns=3), (700,), columns=(2,))


@pytest.fixture
def ar1_series() -> LabelledSeries:
    """AR(1) series (phi 0.7, unit noise, mean 10) with spikes at rows 400, 800, 1100."""
    rng = np.random.default_rng(6)
    noise = rng.normal(size=N_POINTS)
    values = np.empty(N_POINTS)
    values[0] = noise[0]
    for row in range(1, N_POINTS):  # fixture set-up, not library code
        values[row] = 0.7 * values[row - 1] + noise[row]
    return _with_spikes(values + 10.0, (400, 800, 1100))


# -- the live stack's store (anomalia.store) ------------------------------------
INFLUXD = shutil.which("influxd") or "/usr/bin/influxd"
_INFLUX_CONFIG = """reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"
[meta]
  dir = "{root}/meta"
  logging-enabled = false
[data]
  dir = "{root}/data"
  wal-dir = "{root}/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:{http_port}"
  log-enabled = false
  max-row-limit = 0
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[logging]
  level = "warn"
"""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def influx_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``influxdb://127.0.0.1:PORT/anomalia_test``: a real InfluxDB 1.x server for the session.

    ``influxd`` runs with its own data, meta and WAL folders and free loopback
    ports, and is stopped at the end of the session.
    """
    if not os.path.exists(INFLUXD):
        pytest.skip("needs influxd (Debian package `influxdb`: deployment/install_system.sh)")
    root = tmp_path_factory.mktemp("influxdb")
    http_port = free_port()
    config = root / "influxdb.conf"
    config.write_text(_INFLUX_CONFIG.format(root=root, rpc_port=free_port(), http_port=http_port))
    log = (root / "influxd.log").open("w")
    server = subprocess.Popen(
        [INFLUXD, "run", "-config", str(config)], stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None:
                pytest.fail(f"influxd exited: {(root / 'influxd.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/ping", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("influxd did not answer /ping within 30 s")
                time.sleep(0.1)
        yield f"influxdb://127.0.0.1:{http_port}/anomalia_test"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


STORE_BACKENDS = ("duckdb", "influxdb")


@pytest.fixture(params=STORE_BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """URL of an empty store, once per backend: a DuckDB file in ``tmp_path``, or a
    fresh database on the session's InfluxDB server (dropped after the test)."""
    if request.param == "duckdb":
        yield f"duckdb:///{tmp_path / 'live.duckdb'}"
        return
    server = request.getfixturevalue("influx_url").rsplit("/", 1)[0]
    database = f"anomalia_test_{uuid.uuid4().hex[:12]}"
    yield f"{server}/{database}"
    from influxdb import InfluxDBClient

    host, port = server.removeprefix("influxdb://").split(":")
    client = InfluxDBClient(host, int(port))
    client.drop_database(database)
    client.close()
