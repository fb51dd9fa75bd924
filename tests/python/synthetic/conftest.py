"""Fixtures for the synthetic-data tests."""

from __future__ import annotations

import numpy as np
import pytest

from anomalia.synthetic import SyntheticData, generate


@pytest.fixture(scope="session")
def synthetic_small() -> SyntheticData:
    """Three series (one per profile) of 600 five-minute points."""
    return generate(n_series=3, length=600, seed=0)


@pytest.fixture
def clean_series() -> np.ndarray:
    """A daily-seasonal series with mild noise: 480 points, period 48."""
    rng = np.random.default_rng(7)
    position = np.arange(480)
    return 10.0 + np.sin(2 * np.pi * position / 48) + rng.normal(0.0, 0.1, position.size)
