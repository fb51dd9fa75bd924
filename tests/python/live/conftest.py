"""Shared parts of the live tests: a webhook receiver, a model set, observations, a CLI child."""

from __future__ import annotations

import json
import multiprocessing
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Receiver:
    """Collects the JSON bodies POSTed to it; answers 503 to the first ``fail_first`` posts.

    Attributes
    ----------
    url : str
    received : list of dict
        Bodies it answered 200 to, in order.
    refused : int
        Posts it answered 503 to.
    """

    def __init__(self, fail_first: int = 0):
        self.received: list[dict] = []
        self.refused = 0
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["content-length"]))
                if receiver.refused < receiver.fail_first:
                    receiver.refused += 1
                    self.send_response(503)
                else:
                    receiver.received.append(json.loads(body))
                    self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# -- a trained model set and observations to stream --------------------------------
N_SERIES = 3
N_POINTS = 400
SPIKES = (300, 350, 351, 352)  # one lone spike and a run of three: two alerts per series


def observations(n_series: int = N_SERIES, n_points: int = N_POINTS, seed: int = 0):
    """Noisy sines at 1-second steps with the :data:`SPIKES`, in the store's columns."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    frames = []
    for k in range(n_series):
        values = np.sin(np.arange(n_points) / 10 + k) + 0.3 * rng.normal(size=n_points)
        values[[row for row in SPIKES if row < n_points]] += 6.0
        frames.append(
            pd.DataFrame(
                {
                    "series_id": f"s{k}",
                    "timestamp": pd.date_range(
                        "2026-01-01", periods=n_points, freq="1s", unit="ns"
                    ),
                    "value": values,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="session")
def stream_models(tmp_path_factory) -> str:
    """A zscore model set trained on the first half of :func:`observations`.

    Trained as a fleet model, so that series it never saw are scored too.
    """
    from anomalia.modelset import ModelSet

    frame = observations()
    frame["timestamp"] = frame["timestamp"].dt.tz_localize("UTC")
    model_set = ModelSet("zscore", {"window": 24}, new_series={"method": "fleet", "points": 30})
    model_set.fit(frame, train_fraction=0.5, progress=False)
    root = tmp_path_factory.mktemp("models")
    model_set.save(root / "zscore")
    return str(root)


def _run_cli(argv: list[str]) -> None:
    from anomalia.cli.main import main

    sys.exit(main(argv))


#: Imported once by the fork server, so that each CLI child starts in milliseconds.
_PRELOAD = [
    "anomalia.cli.main",
    "anomalia.cli.commands",
    "anomalia.cli.stream",
    "anomalia.modelset",
    "anomalia.detectors.statistical",
    "anomalia.live.stream",
    "anomalia.store.duckdb",
    "anomalia.store.influx",
    "duckdb",
    "influxdb",
]


@pytest.fixture(scope="session")
def fork_cli():
    """Run ``anomalia ARGV`` in a child process that starts in milliseconds.

    Children are forked by a fork server (:mod:`multiprocessing`), a fresh
    interpreter that imported the CLI once and has opened no store: forking
    the test process itself would copy the DuckDB library's locks as some
    thread of it held them. Returns a function ``argv -> Process``; the
    child's exit code is the CLI's.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)

    def start(argv: list[str]) -> multiprocessing.Process:
        process = context.Process(target=_run_cli, args=(argv,), daemon=True)
        process.start()
        return process

    return start
