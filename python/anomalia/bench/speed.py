"""Speed benchmark: fit and score time of every detector, and points per second per core.

Run ``make bench`` or ``python -m anomalia.bench --points 100000 --repeats 3``.
Timings are CPU seconds of this process (``time.process_time``; the machines
are shared, so wall time mostly measures the neighbours), medians over
repeats, with every numeric library held to one thread, so points per second
are per core;
the figures go into ``docs/benchmarks.md``. This is a benchmark, not a test.

``--nab DIR`` times instead the NAB streaming protocol over a whole corpus
(:func:`anomalia.bench.streaming.stream_scores` on every file: fit on the
probationary rows, score every row, map to [0, 1]), compute only: reading the
files and writing results are left out.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence

import numpy as np
from threadpoolctl import threadpool_limits

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
    """Median fit and score CPU seconds of detector ``name`` on ``points`` points, one thread."""
    values, labels = _series(points, seed=0)
    fits, scores = [], []
    with threadpool_limits(1):
        for _ in range(repeats):
            detector = make_detector(name)
            started = time.process_time()
            detector.fit(values, labels if detector.requires_labels else None)
            fits.append(time.process_time() - started)
            started = time.process_time()
            detector.score(values)
            scores.append(time.process_time() - started)
    return statistics.median(fits), statistics.median(scores)


def time_nab(name: str, data: str, repeats: int) -> tuple[float, int, int]:
    """Median CPU seconds of detector ``name`` over a NAB corpus, files and points."""
    from anomalia.bench.nab import load_corpus
    from anomalia.bench.streaming import stream_scores

    corpus = load_corpus(data)
    runs = []
    with threadpool_limits(1):
        for _ in range(repeats):
            started = time.process_time()
            for series in corpus:
                stream_scores(make_detector(name), series.values, where=series.key)
            runs.append(time.process_time() - started)
    return statistics.median(runs), len(corpus), sum(len(series.values) for series in corpus)


def main(argv: Sequence[str] | None = None) -> None:
    """Print a markdown table of fit and score time and score throughput per core."""
    parser = argparse.ArgumentParser(prog="python -m anomalia.bench", description=__doc__)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--detectors",
        nargs="*",
        help="default: every detector but the deep and R ones (see `make bench-deep`); "
        "with --nab, novelty",
    )
    parser.add_argument(
        "--nab", metavar="DIR", help="time the NAB streaming protocol over the corpus at DIR"
    )
    args = parser.parse_args(argv)
    if args.nab:
        print(f"NAB corpus {args.nab}, CPU seconds, one thread, median of {args.repeats} runs.\n")
        print("| detector | files | points | CPU s | points/s per core |")
        print("|---|---|---|---|---|")
        for name in args.detectors or ["novelty"]:
            seconds, files, points = time_nab(name, args.nab, args.repeats)
            print(f"| {name} | {files} | {points:,} | {seconds:.2f} | {points / seconds:,.0f} |")
        return
    scale = 100_000 / args.points
    print(
        f"Series of {args.points:,} points, median of {args.repeats} runs, one thread; "
        "CPU seconds per 100k points.\n"
    )
    print("| detector | fit CPU s / 100k | score CPU s / 100k | score points/s per core |")
    print("|---|---|---|---|")
    for name in args.detectors or core_detectors():
        fit, score = time_detector(name, args.points, args.repeats)
        print(
            f"| {name} | {fit * scale:.2f} | {score * scale:.2f} | "
            f"{args.points / max(score, 1e-9):,.0f} |",
            flush=True,
        )
