"""Deep detectors fitted once per test session on small data, with tiny training."""

from __future__ import annotations

import numpy as np
import pytest

from anomalia.detectors.base import BaseDetector
from anomalia.detectors.registry import make_detector

DEEP = ["conv_ae", "lstm_ae", "lstm_attention", "lstm_forecast", "vae"]
FORECASTERS = {"lstm_forecast", "lstm_attention"}
#: Small and quick, yet enough training to tell spikes from noise.
QUICK = {"window": 16, "epochs": 4, "max_windows": 512, "random_state": 0}
TEST_SPIKES = (250, 420, 610, 800, 1050)
#: Each spike larger than the one before, so none hides in the previous one's onset window.
SPIKE_SIZES = (4.0, 5.0, 6.0, 7.0, 8.0)


def noisy_sine(seed: int, n: int = 1200) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.sin(2 * np.pi * np.arange(n) / 50) + 0.2 * rng.normal(size=n)


def quick(name: str, **params: object) -> BaseDetector:
    return make_detector(name, **{**QUICK, **params})


@pytest.fixture(scope="session")
def spiky_test_series() -> np.ndarray:
    """A fresh noisy sine with spikes of ``SPIKE_SIZES`` at ``TEST_SPIKES``."""
    values = noisy_sine(seed=12)
    values[list(TEST_SPIKES)] += SPIKE_SIZES
    return values


@pytest.fixture(scope="session")
def fitted() -> dict[str, BaseDetector]:
    """Every deep detector fitted on a clean noisy sine (seed 11)."""
    values = noisy_sine(seed=11)
    return {name: quick(name).fit(values) for name in DEEP}
