from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomalia.exceptions import ConfigError, DataError
from anomalia.preprocess import fill_missing

NAN = np.nan
START = pd.Timestamp("2024-01-01", tz="UTC")


@pytest.fixture
def two_series(make_frame) -> pd.DataFrame:
    """`a` ends with NaNs, `b` starts with NaNs; their neighbours differ a lot."""
    hours = pd.date_range(START, periods=5, freq="1h")
    return make_frame(
        {
            "a": (hours, [NAN, 1.0, NAN, 3.0, NAN]),
            "b": (hours, [NAN, NAN, 100.0, NAN, 200.0]),
        }
    )


@pytest.mark.parametrize(
    ("method", "a", "b"),
    [
        ("linear", [1, 1, 2, 3, 3], [100, 100, 100, 150, 200]),
        ("ffill", [1, 1, 1, 3, 3], [100, 100, 100, 100, 200]),
        ("nearest", [1, 1, 1, 3, 3], [100, 100, 100, 100, 200]),
        ("zero", [0, 1, 0, 3, 0], [0, 0, 100, 0, 200]),
    ],
)
def test_each_method_fills_within_its_series_only(two_series, method, a, b):
    filled = fill_missing(two_series, method=method)
    np.testing.assert_array_equal(filled["value"], np.r_[a, b].astype(float))


def test_flags_mark_exactly_the_filled_cells(two_series):
    filled = fill_missing(two_series)
    assert filled["value_imputed"].dtype == bool
    np.testing.assert_array_equal(filled["value_imputed"], two_series["value"].isna())
    assert filled.drop(columns="value_imputed").columns.equals(two_series.columns)


def test_existing_flags_are_kept_and_ored(two_series):
    two_series["value_imputed"] = False
    two_series.loc[3, "value_imputed"] = True  # filled earlier, e.g. by R
    filled = fill_missing(two_series)
    expected = two_series["value"].isna().to_numpy().copy()
    expected[3] = True
    np.testing.assert_array_equal(filled["value_imputed"], expected)


def test_linear_interpolates_in_time_not_by_position(make_frame):
    timestamps = START + pd.to_timedelta([0, 1, 4], unit="h")
    filled = fill_missing(make_frame({"a": (timestamps, [0.0, NAN, 8.0])}))
    assert filled["value"].tolist() == [0.0, 2.0, 8.0]


def test_nearest_picks_the_closer_neighbour_in_time(make_frame):
    timestamps = START + pd.to_timedelta([0, 3, 4], unit="h")
    filled = fill_missing(make_frame({"a": (timestamps, [0.0, NAN, 8.0])}), method="nearest")
    assert filled["value"].tolist() == [0.0, 8.0, 8.0]


def test_row_order_and_index_are_kept_when_rows_are_shuffled(two_series):
    shuffled = two_series.sample(frac=1.0, random_state=3)
    filled = fill_missing(shuffled)
    assert filled.index.equals(shuffled.index)
    expected = fill_missing(two_series).loc[shuffled.index]
    pd.testing.assert_frame_equal(filled, expected)


def test_only_the_requested_columns_are_filled(two_series):
    two_series["other"] = two_series["value"]
    filled = fill_missing(two_series, value_columns=["other"])
    assert filled["value"].isna().sum() == two_series["value"].isna().sum()
    assert not filled["other"].isna().any()
    assert "value_imputed" not in filled.columns
    assert filled["other_imputed"].sum() == two_series["other"].isna().sum()


def test_the_input_is_not_modified(two_series):
    before = two_series.copy()
    fill_missing(two_series)
    pd.testing.assert_frame_equal(two_series, before)


def test_an_all_missing_series_is_named(two_series):
    two_series.loc[two_series["series_id"] == "b", "value"] = NAN
    with pytest.raises(DataError, match="series `b`, column `value`: every value is missing"):
        fill_missing(two_series)


def test_unknown_method_lists_the_valid_ones(two_series):
    with pytest.raises(ConfigError, match="`method` must be one of linear, ffill, nearest, zero"):
        fill_missing(two_series, method="spline")


def test_unknown_value_column_is_named(two_series):
    with pytest.raises(DataError, match="value column `temperature` is not in the frame"):
        fill_missing(two_series, value_columns=["temperature"])
