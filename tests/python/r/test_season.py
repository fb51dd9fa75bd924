"""One season on both sides: R's detect_season() is Python's, case by case.

The cases live in ``contract/fixtures/seasons.json`` (``python -m
anomalia.r.parity``); testthat checks the same file (test-season.R).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from anomalia.features.season import detect_season, season_strength
from anomalia.r.parity import FIXTURES

from .conftest import ROOT

CASES = json.loads((FIXTURES / "seasons.json").read_text())["cases"]
NYC_TAXI = ROOT.parent / "shared" / "datasets" / "nab" / "data" / "realKnownCause" / "nyc_taxi.csv"


def _r_season(values: np.ndarray) -> tuple[int | None, float]:
    pytest.importorskip("rpy2", reason="the R bridge needs rpy2: pip install 'anomalia[r]'")
    from anomalia.r.session import call, robjects

    strength = call("season_strength", robjects().FloatVector(values))
    fields = dict(zip(strength.names, strength, strict=True))
    period = fields["period"]
    best = None if period is robjects().NULL else int(period[0])
    return best, float(fields["correlation"][0])


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_python_finds_the_recorded_season(case):
    values = np.asarray(case["values"])
    assert detect_season(values) == case["period"]
    period, correlation = season_strength(values)
    assert period == case["best_period"]
    assert correlation == pytest.approx(case["correlation"], abs=1e-12)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_r_finds_the_same_season(case):
    period, correlation = _r_season(np.asarray(case["values"]))
    assert period == case["best_period"]
    assert correlation == pytest.approx(case["correlation"], abs=1e-9)


def test_nyc_taxi_season_is_48_on_both_sides():
    if not NYC_TAXI.exists():
        pytest.skip(f"NAB is not at {Path('..') / NYC_TAXI.relative_to(ROOT.parent)}")
    values = pd.read_csv(NYC_TAXI)["value"].to_numpy(dtype=np.float64)
    assert detect_season(values) == 48
    assert _r_season(values)[0] == 48
