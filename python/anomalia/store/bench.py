"""Cost of the store calls the live stack makes, per backend.

::

    python -m anomalia.store.bench --store duckdb:///results/bench.duckdb --series 1000 --ticks 300

Writes ``--ticks`` rounds of one point for each of ``--series`` series (one
``write_observations`` call per round, as the simulator does), and after each
round polls them back with ``read_observations(after=...)`` (as ``anomalia
stream`` does) and writes one score per point. Prints the median and p99 of
each call in milliseconds, over the last half of the rounds (the store then
holds at least half of the data), as a markdown table. The store should be
empty: use a new file or database.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd

from anomalia.store import open_store

START = pd.Timestamp("2030-01-01", tz="UTC")


def run(url: str, n_series: int, ticks: int) -> dict[str, np.ndarray]:
    """Seconds taken by each call, per call kind, one entry per round."""
    ids = np.array([f"host-{k:04d}" for k in range(n_series)])
    rng = np.random.default_rng(0)
    timings: dict[str, list[float]] = {
        "write observations": [],
        "poll (after)": [],
        "write scores": [],
    }
    cursor: dict[str, pd.Timestamp] = {}
    with open_store(url) as store:
        for tick in range(ticks):
            stamp = START + pd.Timedelta(seconds=tick)
            frame = pd.DataFrame(
                {"series_id": ids, "timestamp": stamp, "value": rng.normal(size=n_series)}
            )
            began = time.perf_counter()
            store.write_observations(frame)
            timings["write observations"].append(time.perf_counter() - began)
            began = time.perf_counter()
            new = store.read_observations(after=cursor)
            timings["poll (after)"].append(time.perf_counter() - began)
            if len(new) != n_series:
                raise RuntimeError(f"round {tick}: polled {len(new)} rows, expected {n_series}")
            cursor = dict.fromkeys(ids, stamp)
            scores = new[["series_id", "timestamp"]].assign(
                detector="zscore", score=new["value"].abs(), threshold=3.0, is_anomaly=False
            )
            began = time.perf_counter()
            store.write_scores(scores)
            timings["write scores"].append(time.perf_counter() - began)
    return {name: np.array(values[ticks // 2 :]) for name, values in timings.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True, metavar="URL", help="an empty store")
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--ticks", type=int, default=300)
    args = parser.parse_args(argv)
    timings = run(args.store, args.series, args.ticks)
    print(f"| call ({args.series} rows) | median ms | p99 ms |")
    print("|---|---:|---:|")
    for name, seconds in timings.items():
        print(
            f"| {name} | {1e3 * np.median(seconds):.1f} | {1e3 * np.quantile(seconds, 0.99):.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
