"""Speed of live detection: the engine per detector, and the service's stream route.

::

    python -m anomalia.engine.bench engine --detector zscore --detector iforest
    python -m anomalia.engine.bench service --detector zscore --clients 1 8 32

``engine`` reports points per second of :func:`anomalia.engine.advance` for
1-point and 100-point updates, the median over ``--repeats`` runs. ``service``
trains one model per detector on ``max(clients)`` series, starts ``anomalia
serve`` on a free loopback port (:mod:`anomalia.service.loadtest`) and lets
each client stream its own series one point per request; it reports p50, p95
and p99 latency. Clients and server share the machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from anomalia.contract import validate_observations
from anomalia.detectors.registry import core_detectors, make_detector
from anomalia.engine import advance, start
from anomalia.modelset import ModelSet

START = pd.Timestamp("2030-01-01", tz="UTC")
STEP = pd.Timedelta("5min")
N_TRAIN = 2000


def _values(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 50 + 10 * np.sin(2 * np.pi * np.arange(n) / 288) + rng.normal(size=n)


def _observations(n_series: int, n: int) -> pd.DataFrame:
    parts = [
        pd.DataFrame(
            {
                "series_id": f"host-{k}",
                "timestamp": pd.date_range(START, periods=n, freq=STEP),
                "value": _values(n, seed=k),
            }
        )
        for k in range(n_series)
    ]
    return validate_observations(pd.concat(parts, ignore_index=True))


def engine(detectors: list[str], points: int, repeats: int) -> list[dict]:
    """Points per second of 1-point and 100-point updates, per detector."""
    rows = []
    stream = _values(N_TRAIN + points, seed=0)[N_TRAIN:]
    for name in detectors:
        model_set = ModelSet(name).fit(_observations(1, N_TRAIN), progress=False)
        member = model_set.members_["host-0"]
        # Start from a state that has seen the training rows, as a live series has.
        _, warm = advance(member, start(member), _values(N_TRAIN, seed=0))
        row = {"detector": name}
        for size in (1, 100):
            rates = []
            for _ in range(repeats):
                state = warm
                began = time.perf_counter()
                for first in range(0, points, size):
                    _, state = advance(member, state, stream[first : first + size])
                rates.append(points / (time.perf_counter() - began))
            row[f"points_per_s_{size}"] = round(statistics.median(rates))
        rows.append(row)
    return rows


async def _clients(url: str, model: str, clients: int, requests: int, first: int) -> list[float]:
    import httpx

    latencies: list[float] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:

        async def one(series: int) -> None:
            values = _values(N_TRAIN + first + requests, seed=series)[N_TRAIN:]
            for k in range(first, first + requests):
                stamp = (START + (N_TRAIN + k) * STEP).isoformat()
                body = {"timestamp": [stamp], "values": {"value": [float(values[k])]}}
                began = time.perf_counter()
                response = await client.post(f"/v1/streams/{model}/host-{series}", json=body)
                latencies.append(time.perf_counter() - began)
                if response.status_code != 200:
                    raise RuntimeError(f"HTTP {response.status_code}: {response.text}")

        await asyncio.gather(*(one(series) for series in range(clients)))
    return latencies


def service(detectors: list[str], clients: list[int], requests: int) -> list[dict]:
    """p50/p95/p99 of 1-point stream updates at each number of concurrent clients."""
    from anomalia.service.loadtest import _start_server

    rows = []
    with tempfile.TemporaryDirectory() as root:
        models = Path(root) / "models"
        observations = _observations(max(clients), N_TRAIN)
        for name in detectors:
            ModelSet(name).fit(observations, progress=False).save(models / name)
        process, url = _start_server(models)
        try:
            first = 0
            for name in detectors:
                asyncio.run(_clients(url, name, max(clients), 5, first))  # warm-up
                first += 5
                for count in clients:
                    latency = np.asarray(asyncio.run(_clients(url, name, count, requests, first)))
                    first += requests
                    p50, p95, p99 = np.percentile(latency * 1000, [50, 95, 99])
                    rows.append(
                        {
                            "detector": name,
                            "clients": count,
                            "requests": latency.size,
                            "p50_ms": round(p50, 1),
                            "p95_ms": round(p95, 1),
                            "p99_ms": round(p99, 1),
                            "points_per_s": round(latency.size / latency.sum() * count),
                        }
                    )
        finally:
            process.terminate()
            process.wait(timeout=30)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m anomalia.engine.bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("what", choices=["engine", "service"])
    parser.add_argument("--detector", action="append", help="repeatable")
    parser.add_argument("--points", type=int, default=500, help="engine: points streamed")
    parser.add_argument("--repeats", type=int, default=3, help="engine: runs (median)")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--requests", type=int, default=50, help="service: requests per client")
    args = parser.parse_args(argv)
    if args.what == "engine":
        names = args.detector or [n for n in core_detectors() if make_detector(n).causal]
        rows = engine(names, args.points, args.repeats)
    else:
        rows = service(
            args.detector or ["zscore", "novelty", "iforest"], args.clients, args.requests
        )
    print(pd.DataFrame(rows).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
