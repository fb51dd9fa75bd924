"""How long /health waits behind one long request, with 1 and 2 plumber workers.

Run from the repository root (R_LIBS pointing at the library holding anomaliaR):
    python R/tools/serve_concurrency.py [--repeats 3]
Prints, per worker count, the median /health latency measured 1 s after a
slow SARIMA fit-and-score request was sent, and that request's own time.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure(workers: int, repeats: int) -> tuple[float, float]:
    port = free_port()
    code = f"anomaliaR::serve(port = {port}, workers = {workers})"
    process = subprocess.Popen(["Rscript", "-e", code], stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                httpx.get(f"{url}/health", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.3)
        rng = np.random.default_rng(3)
        train = (np.sin(2 * np.pi * np.arange(600) / 24) + 0.3 * rng.normal(size=600)).tolist()
        body = {"train": train, "params": {"period": 24}}
        waits, slows = [], []
        for _ in range(repeats + 1):  # the first warms the workers up
            with ThreadPoolExecutor(1) as pool:
                started = time.monotonic()
                slow = pool.submit(httpx.post, f"{url}/sarima/detect", json=body, timeout=600)
                time.sleep(1.0)
                asked = time.monotonic()
                httpx.get(f"{url}/health", timeout=600)
                waits.append(time.monotonic() - asked)
                slow.result()
                slows.append(time.monotonic() - started)
        return statistics.median(waits[1:]), statistics.median(slows[1:])
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    repeats = parser.parse_args().repeats
    for workers in (1, 2):
        wait, slow = measure(workers, repeats)
        print(f"workers={workers}: /health waited {wait:.3f} s (median); slow request {slow:.1f} s")


if __name__ == "__main__":
    main()
