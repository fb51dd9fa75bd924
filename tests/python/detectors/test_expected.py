"""``expected(X)``: what a forecaster or a reconstruction model expected each row to be."""

from __future__ import annotations

import numpy as np
import pytest

from anomalia.detectors.forecast import ArimaDetector
from anomalia.detectors.multivariate import PcaDetector
from anomalia.exceptions import DataError, NotFittedError


def _sine(n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    clean = np.sin(2 * np.pi * np.arange(n) / 50)
    return clean, clean + noise * np.random.default_rng(seed).normal(size=n)


def test_arima_one_step_forecasts_track_a_sine_and_a_spike_lies_far_from_them():
    clean, values = _sine(600, 0.05, 0)
    values[450] += 3.0
    detector = ArimaDetector(order=(2, 0, 0)).fit(values[:400])
    expected = detector.expected(values)
    assert expected.shape == values.shape
    normal = np.ones(len(values), dtype=bool)
    normal[:10] = False  # the filter's first forecasts have little history
    normal[[450, 451, 452]] = False  # the spike and the rows forecast from it
    # Within a few noise levels (0.05) of the truth, on rows the model never saw too.
    assert np.median(np.abs(expected[normal] - clean[normal])) < 0.08
    assert np.abs(expected[normal] - clean[normal]).max() < 0.4
    assert np.corrcoef(expected[400:][normal[400:]], clean[400:][normal[400:]])[0, 1] > 0.97
    assert abs(values[450] - expected[450]) > 2.5
    # Causal, as the score: changing later rows leaves earlier forecasts alone.
    changed = values.copy()
    changed[500:] += 10.0
    np.testing.assert_allclose(detector.expected(changed)[:501], expected[:501])


def test_arima_expected_keeps_columns_and_has_nan_where_differencing_leaves_no_forecast():
    _, values = _sine(300, 0.05, 1)
    two = np.column_stack([values, 2 * values + 1])
    detector = ArimaDetector(order=(1, 1, 0)).fit(two)
    expected = detector.expected(two)
    assert expected.shape == (300, 2)
    assert np.isnan(expected[0]).all() and np.isfinite(expected[1:]).all()
    with pytest.raises(DataError, match="expected 2 value column"):
        detector.expected(values)
    with pytest.raises(NotFittedError, match="call fit first"):
        ArimaDetector().expected(values)


def test_pca_reconstruction_follows_the_other_sensors_when_one_spikes():
    clean, base = _sine(800, 0.0, 0)
    noise = 0.03 * np.random.default_rng(2).normal(size=(800, 3))
    values = np.column_stack([base, 2 * base + 5, -base]) + noise
    truth = np.column_stack([clean, 2 * clean + 5, -clean])
    values[600, 1] += 4.0
    detector = PcaDetector().fit(values[:500])
    expected = detector.expected(values)
    assert expected.shape == values.shape
    normal = np.arange(800) != 600
    assert np.abs(expected[normal] - truth[normal]).max() < 0.2
    # The spiked sensor's expected value is what the others imply, not its reading.
    assert abs(expected[600, 1] - truth[600, 1]) < 1.5
    assert abs(values[600, 1] - expected[600, 1]) > 2.5
    # The gap is what the score measures: the row the model least expected scores highest.
    assert int(np.argmax(detector.score(values))) == 600


def test_pca_on_one_column_expects_the_row_itself():
    _, values = _sine(200, 0.1, 3)
    detector = PcaDetector().fit(values)
    np.testing.assert_allclose(detector.expected(values), values)
