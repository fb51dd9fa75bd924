"""`make run`'s supervisor end to end: the real stack comes up, scores, and stops on Ctrl-C."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
import yaml

from anomalia.cli.main import main
from anomalia.store import open_store

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="process groups and prctl")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def read_line_with(process: subprocess.Popen, text: str, timeout: float) -> str:
    """The first line of the process's output holding ``text`` (a thread reads, so no
    line waits in a buffer that ``select`` cannot see)."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in process.stdout], daemon=True
    ).start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the supervisor exited"
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        if text in line:
            return line
    raise AssertionError(f"no line with {text!r} within {timeout:g} s")


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """One generated series and a zscore model: what `make demo` leaves, smaller."""
    config = {
        "synthetic": {"n_series": 1, "length": 800, "freq": "5min", "seed": 2},
        "train": {"detectors": ["zscore"], "params": {"zscore": {"window": 24}}},
        "paths": {"data": "obs.parquet", "events": "events.parquet", "models": "models",
                  "scores": "scores.parquet", "metrics": "metrics.csv", "report": "report"},
    }  # fmt: skip
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "default.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.chdir(tmp_path)
    assert main(["generate", "--quiet"]) == 0
    assert main(["train", "--quiet"]) == 0
    return tmp_path


def test_the_stack_serves_scores_and_stops_on_ctrl_c(workspace):
    port, api_port = free_port(), free_port()
    url = "duckdb:///live.duckdb"
    log = (workspace / "stack.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "anomalia.live.run", "--store", url, "--models", "models",
         "--data", "obs.parquet", "--port", str(port), "--api-port", str(api_port),
         "--speed", "1200", "--backfill", "4h"],
        stdout=subprocess.PIPE, stderr=log, text=True,
        env={**os.environ, "ANOMALIA_TRACKING": "off"},
    )  # fmt: skip
    try:
        line = read_line_with(process, "(Ctrl-C stops)", timeout=120)
        assert f"http://127.0.0.1:{port}/" in line
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
            assert "<title>anomalia live</title>" in page.read().decode()
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{api_port}/health", timeout=5):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the API did not answer /health"
                time.sleep(0.5)
        flagged = 0
        while not flagged:
            assert time.monotonic() < deadline, "no flagged score within a minute"
            time.sleep(1)
            with open_store(url) as store:
                flagged = int(store.read_scores()["is_anomaly"].sum())
    finally:
        process.send_signal(signal.SIGINT)
        status = process.wait(timeout=60)
        log.close()
    text = (workspace / "stack.log").read_text()
    assert status == 0, text[-3000:]
    pids = [int(pid) for pid in re.findall(r"started \w+ \(pid (\d+)\)", text)]
    assert len(pids) == 4  # simulate, stream, api, dashboard
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
