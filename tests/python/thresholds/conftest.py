"""Seeded score streams for the threshold tests."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240101)


@pytest.fixture
def exponential_scores(rng) -> np.ndarray:
    """50 000 Exp(1) scores: the 1 - q quantile is exactly -log(q)."""
    return rng.exponential(1.0, size=50_000)
