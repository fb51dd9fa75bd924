"""R's evaluate_scores() and Python's evaluate() agree on the shared cases.

The cases and Python's answers are in ``contract/fixtures/expected_metrics.json``
(``python -m anomalia.r.parity``); testthat checks the same file (test-evaluate.R).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from anomalia.metrics import evaluate
from anomalia.r.parity import FIXTURES, R_METRICS

CASES = json.loads((FIXTURES / "expected_metrics.json").read_text())["cases"]


def _expected(case: dict) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in case["expected"].values()])


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_python_gives_the_recorded_metrics(case):
    metrics = evaluate(case["labels"], case["scores"], case["flags"])
    got = np.array([metrics[key] for key in R_METRICS])
    np.testing.assert_allclose(got, _expected(case), rtol=0, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_r_gives_the_same_metrics(case):
    pytest.importorskip("rpy2", reason="the R bridge needs rpy2: pip install 'anomalia[r]'")
    from anomalia.r.convert import owned_doubles
    from anomalia.r.session import call, robjects

    ro = robjects()
    result = call(
        "evaluate_scores",
        ro.IntVector(case["labels"]),
        ro.FloatVector(case["scores"]),
        ro.IntVector(case["flags"]),
    )
    assert list(result.names) == list(R_METRICS)
    np.testing.assert_allclose(
        owned_doubles(result), _expected(case), rtol=0, atol=1e-12, equal_nan=True
    )
