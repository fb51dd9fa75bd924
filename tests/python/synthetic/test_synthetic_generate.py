"""Behaviour of anomalia.synthetic.generate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomalia.contract import validate_observations
from anomalia.exceptions import ConfigError
from anomalia.synthetic import ANOMALY_KINDS, MISSING_KIND, generate

EVENT_COLUMNS = ["series_id", "kind", "start", "end", "start_index", "end_index"]


def test_same_seed_gives_identical_data():
    first = generate(n_series=2, length=400, seed=5)
    second = generate(n_series=2, length=400, seed=5)
    pd.testing.assert_frame_equal(first.observations, second.observations)
    pd.testing.assert_frame_equal(first.events, second.events)


def test_different_seeds_give_different_data():
    first = generate(n_series=2, length=400, seed=5)
    second = generate(n_series=2, length=400, seed=6)
    assert not np.allclose(
        first.observations["value"].fillna(0), second.observations["value"].fillna(0)
    )
    assert not first.events[["start_index", "end_index"]].equals(
        second.events[["start_index", "end_index"]]
    )


def test_observations_follow_the_contract(synthetic_small):
    observations = synthetic_small.observations
    assert list(observations.columns) == ["series_id", "timestamp", "value", "label"]
    assert str(observations["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert observations["value"].dtype == np.float64
    assert observations["label"].dtype == np.int8
    assert observations["series_id"].nunique() == 3
    assert observations.groupby("series_id").size().eq(600).all()
    validate_observations(observations, "synthetic")


def test_timestamps_are_regular_sorted_and_utc(synthetic_small):
    for _, rows in synthetic_small.observations.groupby("series_id"):
        steps = rows["timestamp"].diff().dropna()
        assert rows["timestamp"].is_monotonic_increasing
        assert steps.eq(pd.Timedelta("5min")).all()
        assert rows["timestamp"].iloc[0] == pd.Timestamp("2024-01-01", tz="UTC")


def test_every_kind_appears(synthetic_small):
    assert set(synthetic_small.events["kind"]) == {*ANOMALY_KINDS, MISSING_KIND}


def test_events_table_has_consistent_columns(synthetic_small):
    events, observations = synthetic_small.events, synthetic_small.observations
    assert list(events.columns) == EVENT_COLUMNS
    for event in events.itertuples():
        rows = observations[observations["series_id"] == event.series_id].reset_index(drop=True)
        assert rows["timestamp"].iloc[event.start_index] == event.start
        assert rows["timestamp"].iloc[event.end_index] == event.end


def test_labels_equal_one_exactly_over_anomaly_windows(synthetic_small):
    events, observations = synthetic_small.events, synthetic_small.observations
    for series_id, rows in observations.groupby("series_id"):
        expected = np.zeros(len(rows), dtype=np.int8)
        anomalies = events[(events["series_id"] == series_id) & (events["kind"] != MISSING_KIND)]
        for event in anomalies.itertuples():
            expected[event.start_index : event.end_index + 1] = 1
        np.testing.assert_array_equal(rows["label"].to_numpy(), expected)


def test_missing_stretches_are_nan_and_labelled_normal(synthetic_small):
    events, observations = synthetic_small.events, synthetic_small.observations
    for series_id, rows in observations.groupby("series_id"):
        in_gap = np.zeros(len(rows), dtype=bool)
        gaps = events[(events["series_id"] == series_id) & (events["kind"] == MISSING_KIND)]
        for event in gaps.itertuples():
            in_gap[event.start_index : event.end_index + 1] = True
        assert in_gap.any()
        np.testing.assert_array_equal(rows["value"].isna().to_numpy(), in_gap)
        assert (rows["label"].to_numpy()[in_gap] == 0).all()


def test_events_avoid_the_first_tenth_and_never_touch(synthetic_small):
    for _, rows in synthetic_small.events.groupby("series_id"):
        rows = rows.sort_values("start_index")
        assert rows["start_index"].min() >= 60
        assert (rows["start_index"].to_numpy()[1:] > rows["end_index"].to_numpy()[:-1] + 1).all()
        assert (rows["end_index"] < 600).all()


def test_anomalous_points_are_a_few_percent():
    share = generate(n_series=6, length=3000, seed=2).observations["label"].mean()
    assert 0.02 <= share <= 0.05


def test_series_differ_in_scale_and_shape(synthetic_small):
    medians = synthetic_small.observations.groupby("series_id")["value"].median()
    assert medians.round(0).nunique() == len(medians)


def test_spikes_stand_out_from_their_neighbourhood():
    data = generate(n_series=3, length=1000, seed=0)
    for event in data.events[data.events["kind"] == "spike"].itertuples():
        values = data.observations.loc[data.observations["series_id"] == event.series_id, "value"]
        values = values.reset_index(drop=True)
        deviation = (values - values.rolling(11, center=True, min_periods=1).median()).abs()
        spike = deviation.iloc[event.start_index : event.end_index + 1].max()
        assert (deviation > spike).mean() <= 0.01


def test_hourly_data_and_aware_start_are_supported():
    data = generate(n_series=1, length=300, freq="1h", start="2024-03-01T00:00+02:00")
    timestamps = data.observations["timestamp"]
    assert timestamps.iloc[0] == pd.Timestamp("2024-02-29T22:00", tz="UTC")
    assert timestamps.diff().dropna().eq(pd.Timedelta("1h")).all()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"length": 50}, "`length` must be an integer ≥ 200"),
        ({"n_series": 0}, "`n_series` must be an integer ≥ 1"),
        ({"freq": "1D"}, "at least 4 points per day"),
        ({"freq": "MS"}, "fixed frequency"),
        ({"start": "not a date"}, "`start` must be a timestamp"),
    ],
)
def test_bad_arguments_name_the_fix(arguments, message):
    with pytest.raises(ConfigError, match=message):
        generate(**arguments)


@pytest.mark.parametrize("length", [200, 250, 320])
def test_short_series_allowed_by_the_checks_generate(length):
    data = generate(n_series=4, length=length, seed=3)
    assert len(data.observations) == 4 * length
