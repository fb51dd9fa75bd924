"""make_features: causal, finite, named; parameters and data are checked."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from anomalia.exceptions import ConfigError, DataError
from anomalia.features import make_features

TIMESTAMPS = pd.date_range("2024-01-01", periods=400, freq="37min")


def random_values(rows: int = 400, columns: int = 2, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(rows, columns))


@pytest.mark.parametrize("row", [0, 3, 30, 200, 398])
def test_changing_the_future_never_changes_the_features_of_the_past(row):
    values = random_values()
    options = dict(windows=(5, 40), lags=(1, 3), quantiles=(0.1, 0.9), fft_window=16)
    before, _ = make_features(values, TIMESTAMPS, calendar=True, **options)
    changed = values.copy()
    changed[row + 1 :] = np.random.default_rng(1).normal(scale=100.0, size=changed[row + 1 :].shape)
    later_timestamps = TIMESTAMPS[: row + 1].append(TIMESTAMPS[row + 1 :] + pd.Timedelta(hours=5))
    after, _ = make_features(changed, later_timestamps, calendar=True, **options)
    np.testing.assert_array_equal(after[: row + 1], before[: row + 1])
    assert not np.allclose(after[row + 1 :], before[row + 1 :])


def test_shape_and_names_follow_the_options():
    values = random_values(columns=3)
    features, names = make_features(
        values,
        TIMESTAMPS,
        windows=(4, 8),
        lags=(1, 2, 3),
        quantiles=(0.5,),
        fft_window=8,
        fft_bands=2,
        calendar=True,
    )
    # per column: value, diff, 3 lags, 2 windows * (4 statistics + 1 quantile), 2 bands
    assert features.shape == (400, 3 * (1 + 1 + 3 + 2 * 5 + 2) + 5)
    assert len(names) == features.shape[1] == len(set(names))
    assert names[:6] == ["x0", "x1", "x2", "x0_diff1", "x1_diff1", "x2_diff1"]
    assert {"x2_lag3", "x1_q50_w8", "x0_std_w4", "x2_fft0.25-0.5_w8", "weekend"} <= set(names)


def test_dataframe_columns_name_the_features():
    frame = pd.DataFrame({"cpu": np.arange(50.0), "memory": np.ones(50)})
    _, names = make_features(frame, windows=(5,), fft_window=None)
    assert names[:2] == ["cpu", "memory"]
    assert "memory_mean_w5" in names


@pytest.mark.parametrize(
    "values",
    [np.ones(300), np.ones(1), np.zeros((3, 2)), np.repeat([0.0, 1e9], 150)],
    ids=["constant", "single-row", "shorter-than-windows", "huge-step"],
)
def test_features_are_finite_even_on_degenerate_series(values):
    features, names = make_features(values, quantiles=(0.9,))
    assert features.shape[0] == len(values)
    assert len(names) == features.shape[1]
    assert np.isfinite(features).all()


def test_warm_up_rows_see_the_series_extended_with_its_first_value():
    values = np.arange(1.0, 11.0)
    features, names = make_features(values, windows=(4,), lags=(2,), fft_window=None)
    column = dict(zip(names, features.T, strict=True))
    np.testing.assert_array_equal(column["x0_lag2"][:3], [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(column["x0_mean_w4"][:2], [1.0, 1.25])
    assert column["x0_diff1"][0] == 0.0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"windows": (1,)}, "`windows` must be a sequence of integers, each >= 2, got (1,)"),
        ({"windows": 12}, "`windows` must be a sequence of integers, each >= 2, got 12"),
        ({"lags": (0,)}, "`lags` must be a sequence of integers, each >= 1, got (0,)"),
        ({"statistics": ("median",)}, "`statistics` must be a sequence drawn from mean, std"),
        ({"quantiles": (1.5,)}, "`quantiles` must be numbers in [0, 1], got (1.5,)"),
        ({"fft_window": 3}, "`fft_window` must be an integer >= 4, got 3"),
        ({"fft_bands": 0}, "`fft_bands` must be an integer >= 1, got 0"),
        ({"fft_bands": (0.3, 0.1)}, "`fft_bands` edges must be at least two increasing"),
        ({"fft_window": 8, "fft_bands": 8}, "band (0, 0.0625] holds no frequency of a 8-point"),
        ({"calendar": True}, "`calendar=True` needs `timestamps`"),
    ],
)
def test_bad_options_are_named(options, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        make_features(random_values(), **options)


def test_bad_data_is_refused():
    values = random_values()
    values[7, 1] = np.nan
    with pytest.raises(DataError, match="row 8, column 2 is not finite"):
        make_features(values)
    with pytest.raises(DataError, match="expected a 1-D or 2-D array"):
        make_features(np.zeros((4, 2, 2)))
    with pytest.raises(DataError, match="got 399 timestamps for 400 rows"):
        make_features(random_values(), TIMESTAMPS[:-1], calendar=True)
