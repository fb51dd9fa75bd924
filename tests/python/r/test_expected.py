"""``expected(X)`` of the R detectors: sarima's one-step forecasts, stl's trend plus season."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("rpy2", reason="the R bridge needs rpy2: pip install 'anomalia[r]'")

from anomalia.detectors.registry import make_detector  # noqa: E402
from anomalia.exceptions import DataError  # noqa: E402


def _sine(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    clean = np.sin(2 * np.pi * np.arange(n) / 24)
    return clean, clean + 0.1 * np.random.default_rng(seed).normal(size=n)


@pytest.mark.parametrize("name", ["sarima", "stl"])
def test_expected_values_track_a_sine_and_a_spike_lies_far_from_them(name):
    _, train = _sine(240, 0)
    clean, values = _sine(240, 1)
    values[150] += 3.0
    detector = make_detector(name, period=24).fit(train)
    expected = detector.expected(values)
    assert expected.shape == values.shape
    normal = np.isfinite(expected) & (np.abs(np.arange(240) - 150) > 1)
    assert normal.sum() > 200
    assert np.median(np.abs(expected[normal] - clean[normal])) < 0.15
    assert abs(values[150] - expected[150]) > 2.0
    with pytest.raises(DataError, match="expected 1 value column"):
        detector.expected(np.column_stack([values, values]))
