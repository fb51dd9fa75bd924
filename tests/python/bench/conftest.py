"""A tiny NAB-shaped corpus written to a temporary folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SPIKE_ROW = 300


def _timestamps(n: int) -> list[str]:
    stamps = pd.date_range("2020-01-01", periods=n, freq="5min").strftime("%Y-%m-%d %H:%M:%S")
    stamps = list(stamps)
    # NAB's quirks: a duplicate timestamp and one that goes backwards.
    stamps[100] = stamps[99]
    stamps[200], stamps[201] = stamps[201], stamps[200]
    return stamps


@pytest.fixture
def nab_corpus(tmp_path) -> Path:
    """Two series: ``spiky/one.csv`` (400 rows, spike at row 300, window 290-310)
    and ``quiet/two.csv`` (240 rows, no window)."""
    root = tmp_path / "nab"
    rng = np.random.default_rng(0)
    spiky = np.sin(np.arange(400) / 8) + 0.1 * rng.normal(size=400)
    spiky[SPIKE_ROW] += 8.0
    quiet = np.cos(np.arange(240) / 8) + 0.1 * rng.normal(size=240)
    labels = {}
    for key, values in (("spiky/one.csv", spiky), ("quiet/two.csv", quiet)):
        path = root / "data" / key
        path.parent.mkdir(parents=True)
        stamps = _timestamps(len(values))
        pd.DataFrame({"timestamp": stamps, "value": values}).to_csv(path, index=False)
        labels[key] = []
    stamps = _timestamps(400)
    labels["spiky/one.csv"] = [[stamps[290] + ".000000", stamps[310] + ".000000"]]
    (root / "labels").mkdir()
    (root / "labels" / "combined_windows.json").write_text(json.dumps(labels))
    return root
