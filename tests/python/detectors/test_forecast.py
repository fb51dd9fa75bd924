"""Forecast-residual base and ARIMA: what is special to forecasting."""

from __future__ import annotations

import numpy as np
import pytest

from anomalia.detectors.forecast import ArimaDetector, ForecastResidualDetector


class LastValueDetector(ForecastResidualDetector):
    """The naive forecaster: tomorrow equals today."""

    name = "last_value"

    def __init__(self):
        pass

    def _fit_forecaster(self, series):
        return None

    def _forecast(self, forecaster, series):
        return np.concatenate([[np.nan], series[:-1]])


def test_base_scores_residuals_in_robust_units_worst_column_wins():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(300, 2)).cumsum(axis=0)
    values[150:, 1] += 20.0  # a level shift: one big step, at row 150
    detector = LastValueDetector().fit(values)

    steps = np.diff(values, axis=0)
    scale = 1.4826 * np.median(np.abs(steps - np.median(steps, axis=0)), axis=0)
    expected = np.concatenate([[0.0], (np.abs(steps) / scale).max(axis=1)])
    np.testing.assert_allclose(detector.residual_scale_, scale)
    np.testing.assert_allclose(detector.score(values), expected)
    assert int(np.argmax(detector.score(values))) == 150


def test_arima_finds_every_spike_on_ar1_with_few_false_flags(ar1_series):
    detector = ArimaDetector(order=(1, 0, 0)).fit(ar1_series.values)
    limit = np.quantile(detector.calibration_scores(ar1_series.values), 0.99)
    flags = detector.predict(ar1_series.values, limit)
    # A spike also spoils the next forecast: spike row + 1 belongs to the event.
    events = [flags[row : row + 2].any() for row in ar1_series.anomalies]
    assert all(events)
    event_rows = np.zeros(len(flags), dtype=bool)
    for row in ar1_series.anomalies:
        event_rows[row : row + 2] = True
    assert flags[~event_rows].sum() <= 0.015 * len(flags)
    assert abs(detector.forecasters_[0][1] - 0.7) < 0.1  # ar.L1 recovered


def test_arima_estimates_on_the_last_max_train_points_only(ar1_series):
    tail = ar1_series.values[-500:]
    wild_history = np.random.default_rng(1).normal(scale=50.0, size=700)
    on_tail = ArimaDetector(max_train=500).fit(tail)
    on_all = ArimaDetector(max_train=500).fit(np.concatenate([wild_history, tail]))
    np.testing.assert_allclose(on_all.forecasters_[0], on_tail.forecasters_[0])


def test_arima_scores_new_data_without_refitting(ar1_series):
    detector = ArimaDetector().fit(ar1_series.values[:600])
    params = detector.forecasters_[0].copy()
    scores = detector.score(ar1_series.values[600:])
    np.testing.assert_array_equal(detector.forecasters_[0], params)
    assert int(np.argmax(scores)) + 600 in ar1_series.anomalies


def test_arima_with_differencing_gives_no_start_up_score(ar1_series):
    level_shifted = ar1_series.values + 1000.0  # far from the zero a diffuse start forecasts
    detector = ArimaDetector(order=(1, 1, 1)).fit(level_shifted)
    scores = detector.score(level_shifted[:300])
    assert scores[0] == 0.0
    assert scores[:5].max() < 5.0


def test_arima_models_each_column_separately(ar1_series):
    values = np.column_stack([ar1_series.values, 0.1 * ar1_series.values[::-1]])
    detector = ArimaDetector(order=(1, 0, 0)).fit(values)
    assert len(detector.forecasters_) == 2
    assert not np.allclose(detector.forecasters_[0], detector.forecasters_[1])


def test_arima_refuses_a_trend_in_time():
    with pytest.raises(ValueError, match="`trend` must be one of 'n', 'c', got 't'"):
        ArimaDetector(trend="t").fit(np.arange(100.0))


def test_arima_forecasts_a_constant_column_by_its_previous_value(ar1_series):
    values = np.column_stack([ar1_series.values, np.full(len(ar1_series.values), 5.0)])
    detector = ArimaDetector().fit(values)
    assert detector.forecasters_[1] is None
    changed = values.copy()
    changed[600, 1] = 6.0
    scores = detector.score(changed)
    assert int(np.argmax(scores)) == 600
    assert np.isfinite(scores).all()
