"""Load test of the detect endpoint: throughput and latency at several concurrencies.

Starts ``anomalia serve`` on a free loopback port over a trained model root
(or targets ``--url``), then for each number of concurrent clients sends
``--requests`` detect requests of ``--points`` points each and reports
requests/s, points/s, p50/p99 latency and the share of the server's request
time spent scoring (from its /metrics), the median over ``--repeats`` runs::

    python -m anomalia.service.loadtest --models data/models --model zscore \\
        --points 1000 --clients 1 8 32 --requests 200 --repeats 5 --workers 2

The clients run in this process (httpx, asyncio); the server in another.
On a small machine they compete for the same cores: read the figures as what
one box does, client included.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(models: Path, workers: int = 1) -> tuple[subprocess.Popen, str]:
    import httpx

    port = _free_port()
    anomalia = Path(sys.executable).with_name("anomalia")
    process = subprocess.Popen(
        [
            str(anomalia),
            "serve",
            "--models",
            str(models),
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--quiet",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/ready").status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"anomalia serve over {models} did not become ready")


def request_body(series_id: str, columns: list[str], points: int, seed: int = 0) -> bytes:
    """A detect request: ``points`` 5-minute steps of a noisy daily sine per column."""
    rng = np.random.default_rng(seed)
    steps = np.arange(points)
    stamps = pd.date_range("2030-01-01", periods=points, freq="5min", tz="UTC")
    values = {
        column: (50 + 10 * np.sin(2 * np.pi * steps / 288) + rng.normal(size=points)).tolist()
        for column in columns
    }
    body = {
        "series": [
            {
                "series_id": series_id,
                "timestamp": stamps.strftime("%Y-%m-%dT%H:%M:%SZ").tolist(),
                "values": values,
            }
        ]
    }
    return json.dumps(body).encode()


async def _run(url: str, path: str, body: bytes, clients: int, requests: int) -> dict:
    import httpx

    latencies: list[float] = []
    remaining = requests
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"content-type": "application/json"}
    if os.environ.get("ANOMALIA_API_KEY"):
        headers["X-API-Key"] = os.environ["ANOMALIA_API_KEY"]
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                response = await client.post(path, content=body, headers=headers)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: HTTP {response.status_code}: {response.text}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    latency_ms = np.asarray(latencies) * 1000
    return {
        "requests_per_s": requests / elapsed,
        "p50_ms": float(np.percentile(latency_ms, 50)),
        "p99_ms": float(np.percentile(latency_ms, 99)),
    }


def _seconds(url: str, headers: dict[str, str], model: str) -> tuple[float, float]:
    """Seconds spent scoring and serving detect requests of ``model``, from /metrics.

    With several workers this is the one worker that answered the scrape: a
    sample of the same ratio.
    """
    import httpx

    scoring = serving = 0.0
    for line in httpx.get(f"{url}/metrics", headers=headers).text.splitlines():
        if line.startswith(f'anomalia_scoring_seconds_sum{{model="{model}"}}'):
            scoring += float(line.rsplit(" ", 1)[1])
        elif line.startswith("anomalia_request_duration_seconds_sum{") and (
            'route="/models/{name}/detect"' in line
        ):
            serving += float(line.rsplit(" ", 1)[1])
    return scoring, serving


def run(
    url: str, model: str, points: int, clients: list[int], requests: int, repeats: int
) -> list[dict]:
    """Median figures over ``repeats`` runs for each number of concurrent clients."""
    import httpx

    headers = (
        {"X-API-Key": os.environ["ANOMALIA_API_KEY"]} if os.environ.get("ANOMALIA_API_KEY") else {}
    )
    described = httpx.get(f"{url}/models/{model}", headers=headers)
    described.raise_for_status()
    serving = described.json()["serving"]
    version = next(v for v in described.json()["versions"] if v["version"] == serving)
    body = request_body(version["series"][0], version["value_columns"], points)
    path = f"/models/{model}/detect"
    asyncio.run(_run(url, path, body, 1, 5))  # warm-up: imports, caches, connections
    results = []
    for count in clients:
        runs = []
        for _ in range(repeats):
            scoring_before, serving_before = _seconds(url, headers, model)
            runs.append(asyncio.run(_run(url, path, body, count, requests)))
            scoring_after, serving_after = _seconds(url, headers, model)
            served = serving_after - serving_before
            runs[-1]["scoring_share"] = (
                (scoring_after - scoring_before) / served if served > 0 else float("nan")
            )
        median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        results.append(
            {
                "model": model,
                "clients": count,
                "points": points,
                "requests": requests,
                "repeats": repeats,
                **{key: round(value, 2) for key, value in median.items()},
                "points_per_s": round(median["requests_per_s"] * points),
            }
        )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m anomalia.service.loadtest", description=__doc__.split("\n")[0]
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--models", type=Path, help="model root to serve (starts a server)")
    target.add_argument("--url", help="an already running server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--model", action="append", help="model name, repeatable (default zscore)")
    parser.add_argument("--points", type=int, default=1000, help="points per request")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--requests", type=int, default=200, help="requests per run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per concurrency (median)")
    parser.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    args = parser.parse_args(argv)
    process = None
    url = args.url
    if args.models:
        process, url = _start_server(args.models, args.workers)
    try:
        results = [
            row
            for model in args.model or ["zscore"]
            for row in run(url, model, args.points, args.clients, args.requests, args.repeats)
        ]
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
    if args.json:
        for row in results:
            print(json.dumps(row))
    else:
        print(pd.DataFrame(results).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
