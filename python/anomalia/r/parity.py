"""Write the fixtures that hold the R and Python halves to the same answers.

``python -m anomalia.r.parity`` writes two files under ``contract/fixtures/``:

- ``seasons.json``: series (values rounded to 6 decimals, so both languages
  read the same doubles) and the season
  :func:`anomalia.features.season.detect_season` finds in each;
- ``expected_metrics.json``: labels, scores and flags (the golden scores
  fixture joined with the golden observations' labels, and synthetic cases
  with ties, probation and degenerate labels) and every metric of
  :func:`anomalia.metrics.evaluate` but the VUS pair.

pytest (``tests/python/r/test_season.py``, ``test_metrics.py``) and testthat
(``test-season.R``, ``test-evaluate.R``) check every case against them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from anomalia.atomic import atomic_file
from anomalia.contract import read_observations, read_scores
from anomalia.features.season import detect_season, season_strength
from anomalia.metrics import evaluate

FIXTURES = Path(__file__).resolve().parents[1] / "contract" / "fixtures"


def season_series() -> dict[str, np.ndarray]:
    """Series with a known season, or none, covering each step of the method."""
    rng = np.random.default_rng(16)
    hours = np.arange(24 * 28)
    five_minutes = np.arange(288 * 7)
    daily_two_peaks = np.sin(2 * np.pi * five_minutes / 288) + 0.6 * np.sin(
        4 * np.pi * five_minutes / 288
    )
    weeks = np.arange(168 * 6)
    return {
        "hourly_24": np.sin(2 * np.pi * hours / 24) + 0.3 * rng.normal(size=hours.size),
        "five_minute_288_two_peaks": daily_two_peaks + 0.2 * rng.normal(size=five_minutes.size),
        "weekly_168_with_daily": np.sin(2 * np.pi * weeks / 168)
        + 0.5 * (weeks % 168 >= 120)
        + 0.2 * rng.normal(size=weeks.size),
        "trend_12": 0.01 * np.arange(360)
        + np.sin(2 * np.pi * np.arange(360) / 12)
        + 0.2 * rng.normal(size=360),
        "white_noise": rng.normal(size=500),
        "random_walk": np.cumsum(rng.normal(size=600)),
        "square_wave_10": np.where(np.arange(300) % 10 < 5, 1.0, -1.0) + 0.1 * rng.normal(size=300),
        "constant": np.full(100, 3.0),
    }


def write_seasons(path: Path = FIXTURES / "seasons.json") -> dict[str, object]:
    cases = []
    for name, values in season_series().items():
        rounded = np.round(values, 6)
        best, correlation = season_strength(rounded)
        cases.append(
            {
                "name": name,
                "period": detect_season(rounded),
                "best_period": best,
                "correlation": correlation,
                "values": rounded.tolist(),
            }
        )
    document = {"method": "anomalia.features.season.detect_season, defaults", "cases": cases}
    with atomic_file(path) as temporary:
        temporary.write_text(json.dumps(document, separators=(",", ":")) + "\n")
    return document


#: Metrics of :func:`anomalia.metrics.evaluate` the R side computes too (not the VUS pair).
R_METRICS = (
    "precision",
    "recall",
    "f1",
    "event_precision",
    "event_recall",
    "event_f1",
    "point_adjusted_precision",
    "point_adjusted_recall",
    "point_adjusted_f1",
    "mean_delay",
    "n_events",
    "n_missed_events",
    "roc_auc",
    "pr_auc",
    "nab_standard",
    "nab_reward_low_fp_rate",
    "nab_reward_low_fn_rate",
)


def metric_cases() -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(labels, scores, flags) per case: the golden fixtures, then synthetic edge cases."""
    observations = read_observations(FIXTURES / "observations_valid.parquet")
    scores = read_scores(FIXTURES / "scores_valid.parquet")
    joined = scores.merge(observations[["series_id", "timestamp", "label"]])
    cases = {}
    for series_id, part in joined.groupby("series_id", sort=True):
        cases[f"golden_{series_id}"] = (
            part["label"].to_numpy(np.int64),
            part["score"].to_numpy(np.float64),
            part["is_anomaly"].to_numpy(np.int64),
        )
    rng = np.random.default_rng(12)
    n = 1000
    labels = np.zeros(n, dtype=np.int64)
    for start, end in ((100, 119), (400, 409), (700, 760), (990, 999)):
        labels[start : end + 1] = 1
    noisy = np.round(rng.normal(size=n) + 2.5 * labels * rng.uniform(size=n), 6)
    cases["synthetic_windows"] = (labels, noisy, (noisy > 1.8).astype(np.int64))
    tied = np.round(noisy, 1)  # many ties: the sweep and the AUCs group them
    cases["synthetic_ties"] = (labels, tied, (tied >= 1.5).astype(np.int64))
    early = np.zeros(200, dtype=np.int64)
    early[[5, 6, 7, 150, 151]] = 1  # the first window lies in the probationary period
    early_scores = np.round(rng.uniform(size=200) + early, 6)
    cases["probation"] = (early, early_scores, (early_scores > 0.9).astype(np.int64))
    quiet = np.round(rng.uniform(size=300), 6)
    cases["no_labels"] = (np.zeros(300, dtype=np.int64), quiet, (quiet > 0.95).astype(np.int64))
    cases["all_labelled"] = (np.ones(50, dtype=np.int64), quiet[:50], np.zeros(50, dtype=np.int64))
    return cases


def _number(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def write_metrics(path: Path = FIXTURES / "expected_metrics.json") -> dict[str, object]:
    cases = []
    for name, (labels, scores, flags) in metric_cases().items():
        metrics = evaluate(labels, scores, flags)
        cases.append(
            {
                "name": name,
                "labels": labels.tolist(),
                "scores": scores.tolist(),
                "flags": flags.tolist(),
                "expected": {key: _number(metrics[key]) for key in R_METRICS},
            }
        )
    document = {"method": "anomalia.metrics.evaluate; null is nan", "cases": cases}
    with atomic_file(path) as temporary:
        temporary.write_text(json.dumps(document, separators=(",", ":")) + "\n")
    return document


if __name__ == "__main__":
    for case in write_seasons()["cases"]:
        print(f"season {case['name']}: {case['period']}")
    for case in write_metrics()["cases"]:
        print(f"metrics {case['name']}: {case['expected']}")
