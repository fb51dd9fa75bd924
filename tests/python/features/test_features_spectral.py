"""Spectral band energies over a trailing window."""

from __future__ import annotations

import numpy as np
import pytest

from anomalia.exceptions import ConfigError
from anomalia.features import band_edges, band_energies


def test_energy_rises_in_the_band_of_an_injected_sinusoid():
    rng = np.random.default_rng(0)
    values = 0.2 * rng.normal(size=(600, 1))
    values[300:, 0] += np.sin(2 * np.pi * 0.3 * np.arange(300))  # 0.3 cycles per sample
    edges = band_edges(4, 32)  # bands of 0.125 cycles per sample
    energies, names = band_energies(values, 32, edges, ["x"])
    assert names[2] == "x_fft0.25-0.375_w32"
    before, after = energies[100:300].mean(0), energies[400:].mean(0)
    assert int(np.argmax(after)) == 2
    assert after[2] > 10 * before[2]
    assert after[2] > 0.8 * after.sum()  # the rest is leakage from a rectangular window


def test_band_energies_add_up_to_the_window_variance():
    values = np.random.default_rng(1).normal(size=(100, 2))
    energies, _ = band_energies(values, 16, band_edges((0.0, 0.1, 0.5), 16), ["a", "b"])
    row = 70
    window = values[row - 15 : row + 1]
    np.testing.assert_allclose(energies[row, :2].sum(), window[:, 0].var())
    np.testing.assert_allclose(energies[row, 2:].sum(), window[:, 1].var())


def test_a_band_without_frequencies_is_refused():
    with pytest.raises(ConfigError, match="holds no frequency"):
        band_edges((0.0, 0.01, 0.5), 16)
