"""The live stack under load: 1,000 series at one point per second each.

::

    python -m anomalia.live.bench --backend duckdb --backend influxdb --series 1000 --seconds 60

For each backend: a zscore fleet model is trained on 20 synthetic series; the
store is given ``--history`` points of every series, which one ``anomalia
stream`` cycle scores from nothing (the *catch-up* rate, points per second);
then this process writes one point per series every second, in real time, for
``--seconds`` seconds, while ``anomalia stream`` (another process, the
library's :class:`~anomalia.live.stream.Stream` as the CLI runs it, cycles
every ``--interval``) scores them. It reports the points per second scored
over the real-time phase and the ingest-to-flag latency of every point: from
the moment the simulator's write returned (the point is in the store) to the
moment the stream's write of its score returned.

Without ``--influx-url`` an InfluxDB server (``influxd``) is started on free
loopback ports with a temporary data folder, and stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

N_TRAIN_SERIES = 20
N_TRAIN_POINTS = 600
PARAMS = {"window": 60}
FLEET_POINTS = 30

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
[logging]
  level = "warn"
"""


def _values(n: int, seed: int, offset: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    time_index = np.arange(offset, offset + n)
    return 50 + 10 * np.sin(2 * np.pi * time_index / 300) + rng.normal(size=n)


def train(folder: Path) -> Path:
    """A zscore fleet model set (unseen series scaled by their first points) in ``folder``."""
    from anomalia.modelset import ModelSet

    start = pd.Timestamp("2020-01-01", tz="UTC")
    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "series_id": f"train-{k}",
                    "timestamp": pd.date_range(start, periods=N_TRAIN_POINTS, freq="1s", unit="ns"),
                    "value": _values(N_TRAIN_POINTS, seed=k),
                }
            )
            for k in range(N_TRAIN_SERIES)
        ],
        ignore_index=True,
    )
    model_set = ModelSet(
        "zscore", PARAMS, new_series={"method": "fleet", "points": FLEET_POINTS}
    ).fit(frame, progress=False)
    model_set.save(folder / "zscore")
    return folder


def _tick(series: list[str], stamp: pd.Timestamp, step: int) -> pd.DataFrame:
    rng = np.random.default_rng(step)
    phase = np.arange(len(series)) + step
    values = 50 + 10 * np.sin(2 * np.pi * phase / 300) + rng.normal(size=len(series))
    return pd.DataFrame({"series_id": series, "timestamp": stamp, "value": values})


def _stream_worker(
    url: str, models: str, state: str, interval: float, trace: str, ready: object
) -> None:
    """Run the stream until SIGTERM; write (flag time, timestamp, points) per cycle to ``trace``."""
    from anomalia.live.checkpoint import Checkpoints
    from anomalia.live.stream import Stream, install_signal_handlers, load_model_sets
    from anomalia.store import open_store

    logging.basicConfig(level=logging.WARNING)
    records: list[list] = []

    def written(scores: pd.DataFrame) -> None:
        flagged_at = time.time()
        counts = scores["timestamp"].value_counts()
        stamps = pd.DatetimeIndex(counts.index)
        if stamps.tz is not None:
            stamps = stamps.tz_convert("UTC").tz_localize(None)
        for stamp, count in zip(stamps.asi8, counts.to_numpy(), strict=True):
            records.append([flagged_at, int(stamp), int(count)])

    checkpoints = Checkpoints(state, url)
    with open_store(url) as store:
        stream = Stream(store, load_model_sets(models), checkpoints, on_written=written)
        install_signal_handlers(stream)
        ready.set()
        stream.run(interval, log_every=10**9)
    checkpoints.close()
    Path(trace).write_text(json.dumps(records))


def run(
    url: str, series: int, seconds: int, history: int, interval: float, work: Path
) -> dict[str, float]:
    """One backend: catch-up rate, then sustained points/s and latency percentiles."""
    from anomalia.live.checkpoint import Checkpoints
    from anomalia.live.stream import Stream, load_model_sets
    from anomalia.store import open_store

    models = str(train(work / "models"))
    state = work / "state"
    names = [f"host-{k:04d}" for k in range(series)]
    now = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s")
    first = now - pd.Timedelta(seconds=history)
    with open_store(url) as store:
        backfill = pd.concat(
            [_tick(names, first + pd.Timedelta(seconds=step), step) for step in range(history)],
            ignore_index=True,
        )
        store.write_observations(backfill)
        checkpoints = Checkpoints(state, url)
        started = time.perf_counter()
        report = Stream(store, load_model_sets(models), checkpoints).cycle()
        catch_up = report.points / (time.perf_counter() - started)
        checkpoints.close()

        trace = work / "trace.json"
        context = multiprocessing.get_context("spawn")
        ready = context.Event()
        worker = context.Process(
            target=_stream_worker, args=(url, models, str(state), interval, str(trace), ready)
        )
        worker.start()
        if not ready.wait(300):  # the clock starts once the worker has imported and loaded
            worker.kill()
            raise RuntimeError("the stream worker did not start within 300 s")
        ingested: dict[int, float] = {}
        clock = time.time()
        for step in range(seconds):
            delay = clock + step - time.time()
            if delay > 0:
                time.sleep(delay)
            stamp = now + pd.Timedelta(seconds=step + 1)
            store.write_observations(_tick(names, stamp, history + step))
            ingested[stamp.value] = time.time()
        time.sleep(max(3 * interval, 2.0))
        os.kill(worker.pid, signal.SIGTERM)
        worker.join(120)
    records = json.loads(trace.read_text()) if trace.is_file() else []
    latencies = np.concatenate(
        [np.full(count, flagged - ingested[stamp]) for flagged, stamp, count in records
         if stamp in ingested] or [np.empty(0)]
    )  # fmt: skip
    scored = int(latencies.size)
    # Sustained: points scored over the time from the first tick to the last score written.
    elapsed = max((flagged for flagged, _, _ in records), default=clock) - clock
    return {
        "catch_up_points_per_s": catch_up,
        "offered_points_per_s": series * seconds / (seconds or 1),
        "scored_points_per_s": scored / elapsed if elapsed > 0 else float("nan"),
        "scored_share": scored / (series * seconds) if seconds else float("nan"),
        "latency_p50_s": float(np.percentile(latencies, 50)) if scored else float("nan"),
        "latency_p99_s": float(np.percentile(latencies, 99)) if scored else float("nan"),
        "latency_max_s": float(latencies.max()) if scored else float("nan"),
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def temporary_influxd(folder: Path) -> Iterator[str]:
    """An InfluxDB 1.x server on free loopback ports; yields ``influxdb://...`` of a database."""
    binary = shutil.which("influxd") or "/usr/bin/influxd"
    if not Path(binary).exists():
        raise FileNotFoundError(
            "influxd is not installed (Debian package `influxdb`, deployment/install_system.sh)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    config = folder / "influxdb.conf"
    config.write_text(_INFLUX_CONFIG.format(root=folder, rpc_port=_free_port(), http_port=port))
    with (folder / "influxd.log").open("w") as log:
        server = subprocess.Popen(
            [binary, "run", "-config", str(config)], stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1):
                        break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(
                            f"influxd did not start; see {folder}/influxd.log"
                        ) from None
                    time.sleep(0.2)
            yield f"influxdb://127.0.0.1:{port}/bench"
        finally:
            server.terminate()
            server.wait(30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m anomalia.live.bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--backend", action="append", choices=["duckdb", "influxdb"], help="repeatable"
    )
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=60, help="real-time phase")
    parser.add_argument("--history", type=int, default=60, help="points per series before")
    parser.add_argument("--interval", type=float, default=1.0, help="stream cycle, seconds")
    parser.add_argument("--influx-url", help="an existing server's influxdb://HOST:PORT/DB")
    args = parser.parse_args(argv)
    rows = []
    for backend in args.backend or ["duckdb", "influxdb"]:
        with tempfile.TemporaryDirectory(prefix="anomalia-live-bench-") as tmp:
            work = Path(tmp)
            if backend == "duckdb":
                result = run(f"duckdb:///{work / 'live.duckdb'}", args.series, args.seconds,
                             args.history, args.interval, work)  # fmt: skip
            elif args.influx_url:
                result = run(args.influx_url, args.series, args.seconds, args.history,
                             args.interval, work)  # fmt: skip
            else:
                with temporary_influxd(work / "influxdb") as url:
                    result = run(url, args.series, args.seconds, args.history,
                                 args.interval, work)  # fmt: skip
        rows.append({"backend": backend, **result})
        print(json.dumps(rows[-1]), flush=True)
    table = pd.DataFrame(rows).set_index("backend")
    print(table.round(3).to_markdown() if _has_tabulate() else table.round(3).to_string())
    return 0


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
