"""Speed benchmark: fit and score time of every detector per 100k points.

Run ``make bench`` or ``python -m anomalia.bench --points 100000 --repeats 3``.
Timings are medians over repeats (the machines are shared and noisy); the
figures go into ``docs/benchmarks.md``. This is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence

import numpy as np

from anomalia.detectors.registry import core_detectors, make_detector


def _series(points: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seasonal series with spikes, and its labels."""
    rng = np.random.default_rng(seed)
    t = np.arange(points)
    values = np.sin(2 * np.pi * t / 288) + 0.3 * rng.standard_normal(points)
    labels = np.zeros(points, dtype=np.int8)
    spikes = rng.choice(np.arange(500, points), size=max(points // 1000, 2), replace=False)
    values[spikes] += 6.0
    labels[spikes] = 1
    return values, labels


def time_detector(name: str, points: int, repeats: int) -> tuple[float, float]:
    """Median fit and score seconds of detector ``name`` on ``points`` points."""
    values, labels = _series(points, seed=0)
    fits, scores = [], []
    for _ in range(repeats):
        detector = make_detector(name)
        started = time.perf_counter()
        detector.fit(values, labels if detector.requires_labels else None)
        fits.append(time.perf_counter() - started)
        started = time.perf_counter()
        detector.score(values)
        scores.append(time.perf_counter() - started)
    return statistics.median(fits), statistics.median(scores)


def main(argv: Sequence[str] | None = None) -> None:
    """Print a markdown table of fit and score time per 100k points."""
    parser = argparse.ArgumentParser(prog="python -m anomalia.bench", description=__doc__)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--detectors",
        nargs="*",
        default=core_detectors(),
        help="default: every detector but the deep and R ones (see `make bench-deep`)",
    )
    args = parser.parse_args(argv)
    scale = 100_000 / args.points
    print(f"Series of {args.points} points, median of {args.repeats} runs, per 100k points.\n")
    print("| detector | fit s / 100k points | score s / 100k points |")
    print("|---|---|---|")
    for name in args.detectors:
        fit, score = time_detector(name, args.points, args.repeats)
        print(f"| {name} | {fit * scale:.2f} | {score * scale:.2f} |", flush=True)
