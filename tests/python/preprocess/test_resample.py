from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomalia.exceptions import ConfigError, DataError
from anomalia.preprocess import infer_frequency, regularise

START = pd.Timestamp("2024-01-01", tz="UTC")


def test_infer_frequency_is_the_median_step_ignoring_order_and_duplicates():
    timestamps = START + pd.to_timedelta([20, 0, 5, 10, 10, 15, 40], unit="min")
    assert infer_frequency(pd.Series(timestamps)) == pd.Timedelta("5min")


def test_infer_frequency_needs_two_distinct_points():
    with pytest.raises(DataError, match="from 1 distinct timestamp.*need at least 2"):
        infer_frequency(pd.DatetimeIndex([START, START]))


def test_a_ten_point_hole_is_filled_in_and_reported_exactly(minute_series_with_hole):
    regular, gaps = regularise(minute_series_with_hole)

    assert len(regular) == 100
    expected = pd.date_range(START, periods=100, freq="1min")
    assert (pd.DatetimeIndex(regular["timestamp"]) == expected).all()
    assert regular["value"].isna().to_numpy().nonzero()[0].tolist() == list(range(40, 50))
    assert regular["label"].dtype == np.int8
    assert (regular["label"] == 0).all()
    assert gaps.to_dict("records") == [
        {
            "series_id": "a",
            "start": START + pd.Timedelta(minutes=40),
            "end": START + pd.Timedelta(minutes=49),
            "n_missing": 10,
        }
    ]


def test_existing_nans_count_as_gaps_and_join_adjacent_new_points(make_frame):
    timestamps = pd.date_range(START, periods=10, freq="1h")
    values = np.arange(10.0)
    values[3] = np.nan  # next to the removed point 4
    values[8] = np.nan
    keep = np.arange(10) != 4
    regular, gaps = regularise(make_frame({"a": (timestamps[keep], values[keep])}))

    assert len(regular) == 10
    assert gaps["n_missing"].tolist() == [2, 1]
    assert gaps["start"].tolist() == [timestamps[3], timestamps[8]]
    assert gaps["end"].tolist() == [timestamps[4], timestamps[8]]


def test_each_series_gets_its_own_inferred_grid_and_gaps_do_not_cross_series(make_frame):
    hourly = pd.date_range(START, periods=6, freq="1h")
    daily = pd.date_range(START, periods=6, freq="1D")
    a_values = np.array([0.0, 1, 2, 3, 4, np.nan])  # missing at the end of `a`
    b_values = np.array([np.nan, 1.0, 2, 3, 4, 5])  # missing at the start of `b`
    b_kept = [0, 1, 2, 5]
    frame = make_frame({"b": (daily[b_kept], b_values[b_kept]), "a": (hourly, a_values)})

    regular, gaps = regularise(frame)

    assert regular["series_id"].tolist() == ["a"] * 6 + ["b"] * 6
    steps = regular.groupby("series_id")["timestamp"].diff().dropna()
    assert set(steps[regular["series_id"] == "a"]) == {pd.Timedelta("1h")}
    assert set(steps[regular["series_id"] == "b"]) == {pd.Timedelta("1D")}
    assert gaps[["series_id", "n_missing"]].to_dict("records") == [
        {"series_id": "a", "n_missing": 1},
        {"series_id": "b", "n_missing": 1},
        {"series_id": "b", "n_missing": 2},
    ]


def test_off_grid_points_snap_to_the_nearest_grid_point_and_the_first_is_kept(make_frame):
    offsets = pd.to_timedelta(["0s", "61s", "119s", "181s", "300s"])
    frame = make_frame({"a": (START + offsets, [0.0, 1.0, 2.0, 3.0, 5.0])})

    regular, gaps = regularise(frame, freq="1min")

    assert (regular["timestamp"] - START).tolist() == list(pd.to_timedelta(range(6), unit="min"))
    # 61s -> 1min; 119s -> 2min; 181s -> 3min; nothing at 4min.
    np.testing.assert_array_equal(regular["value"], [0.0, 1.0, 2.0, 3.0, np.nan, 5.0])
    assert gaps["n_missing"].tolist() == [1]

    clash = make_frame({"a": (START + pd.to_timedelta(["0s", "50s", "70s"]), [0.0, 1.0, 2.0])})
    regular, _ = regularise(clash, freq="1min")
    np.testing.assert_array_equal(regular["value"], [0.0, 1.0])


def test_flags_survive_with_neutral_values_on_new_points(make_frame):
    frame = make_frame({"a": (pd.date_range(START, periods=4, freq="1h")[[0, 1, 3]], [1.0, 2, 4])})
    frame["value_imputed"] = [False, True, False]

    regular, _ = regularise(frame, freq="1h")

    assert list(regular.columns) == list(frame.columns)
    assert regular["value_imputed"].dtype == bool
    assert regular["value_imputed"].tolist() == [False, True, False, False]
    assert str(regular["timestamp"].dtype) == "datetime64[ns, UTC]"


def test_single_point_series_needs_an_explicit_frequency(make_frame):
    frame = make_frame(
        {
            "long": (pd.date_range(START, periods=3, freq="1h"), [1.0, 2, 3]),
            "lone": ([START], [1.0]),
        }
    )
    with pytest.raises(DataError, match="series `lone` has fewer than 2 distinct timestamps"):
        regularise(frame)
    regular, _ = regularise(frame, freq="1h")
    assert (regular["series_id"] == "lone").sum() == 1


@pytest.mark.parametrize("freq", ["MS", "-5min", 0, "often"])
def test_bad_frequency_is_rejected_with_an_example(minute_series_with_hole, freq):
    with pytest.raises(
        ConfigError, match="`freq` must be a positive fixed duration such as '5min'"
    ):
        regularise(minute_series_with_hole, freq=freq)


def test_missing_key_columns_are_named(minute_series_with_hole):
    with pytest.raises(DataError, match="missing column `timestamp`"):
        regularise(minute_series_with_hole.drop(columns="timestamp"))
