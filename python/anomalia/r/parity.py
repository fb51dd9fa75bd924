"""Write the fixtures that hold the R and Python halves to the same answers.

``python -m anomalia.r.parity`` writes ``contract/fixtures/seasons.json``:
series (values rounded to 6 decimals, so both languages read the same
doubles) and the season :func:`anomalia.features.season.detect_season` finds
in each. pytest (``tests/python/r/test_season.py``) and testthat
(``R/tests/testthat/test-season.R``) both check every case against it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from anomalia.atomic import atomic_file
from anomalia.features.season import detect_season, season_strength

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


if __name__ == "__main__":
    for case in write_seasons()["cases"]:
        print(f"{case['name']}: {case['period']}")
