"""Speed benchmark of the deep detectors: fit and score seconds per 10k points.

Run ``python -m anomalia.detectors.deep.bench --points 10000 --repeats 3``.
Each detector is fitted and scored ``repeats`` times with its default
parameters (``--param KEY=VALUE`` overrides them) on one univariate seasonal
series with spikes; the table gives medians, scaled to 10k points, and the
device TensorFlow trained on. TensorFlow's import is paid once, before the
clock starts. This is a benchmark, not a test; figures go into
``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence

import numpy as np
import yaml

from anomalia.detectors.deep.runtime import device_name
from anomalia.detectors.registry import make_detector

DEEP_DETECTORS = ["lstm_forecast", "lstm_attention", "lstm_ae", "conv_ae", "vae"]


def seasonal_series(points: int, seed: int = 0) -> np.ndarray:
    """A daily-seasonal series at 5-minute steps with noise and one spike per 1000 points."""
    rng = np.random.default_rng(seed)
    values = np.sin(2 * np.pi * np.arange(points) / 288) + 0.3 * rng.standard_normal(points)
    spikes = rng.choice(np.arange(points // 10, points), size=max(points // 1000, 1), replace=False)
    values[spikes] += 6.0
    return values


def time_detector(
    name: str, values: np.ndarray, repeats: int, params: dict
) -> tuple[float, float, int]:
    """Median fit seconds, median score seconds and median epochs run."""
    fits, scores, epochs = [], [], []
    for repeat in range(repeats):
        detector = make_detector(name, **{"random_state": repeat, **params})
        started = time.perf_counter()
        detector.fit(values)
        fits.append(time.perf_counter() - started)
        started = time.perf_counter()
        detector.score(values)
        scores.append(time.perf_counter() - started)
        epochs.append(len(detector.history_["val_loss"]))
    return statistics.median(fits), statistics.median(scores), int(statistics.median(epochs))


def main(argv: Sequence[str] | None = None) -> None:
    """Print a markdown table of fit and score time per 10k points."""
    parser = argparse.ArgumentParser(
        prog="python -m anomalia.detectors.deep.bench", description=__doc__
    )
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--detectors", nargs="*", default=DEEP_DETECTORS)
    parser.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE", help="repeatable"
    )
    args = parser.parse_args(argv)
    params = {}
    for text in args.param:
        key, _, value = text.partition("=")
        params[key] = yaml.safe_load(value)
    values = seasonal_series(args.points)
    scale = 10_000 / args.points
    device = device_name()  # imports TensorFlow before any clock starts
    print(
        f"Series of {args.points} points, median of {args.repeats} runs, per 10k points, "
        f"on {device}{', params ' + str(params) if params else ''}.\n"
    )
    print("| detector | fit s / 10k points | score s / 10k points | epochs run |")
    print("|---|---|---|---|")
    for name in args.detectors:
        fit, score, epochs = time_detector(name, values, args.repeats, params)
        print(f"| {name} | {fit * scale:.1f} | {score * scale:.2f} | {epochs} |", flush=True)


if __name__ == "__main__":
    main()
