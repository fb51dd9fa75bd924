"""The store interface, run against every backend (the ``store_url`` fixture)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomalia.exceptions import ConfigError, DataError
from anomalia.store import alert_id, open_store

T0 = pd.Timestamp("2024-03-01 12:00", tz="UTC")


def _observations(series: str, n: int, *, offset: float = 0.0, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "series_id": series,
            "timestamp": T0 + pd.to_timedelta(np.arange(start, start + n), unit="s"),
            "value": np.arange(start, start + n, dtype=float) + offset,
        }
    )


def _scores(series: str, detector: str, n: int, *, level: float = 0.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "series_id": series,
            "timestamp": T0 + pd.to_timedelta(np.arange(n), unit="s"),
            "detector": detector,
            "score": np.arange(n, dtype=float) + level,
            "threshold": 2.5,
            "is_anomaly": np.arange(n) + level > 2.5,
            "status": ["warming_up"] + ["ok"] * (n - 1),
        }
    )


@pytest.fixture
def store(store_url):
    with open_store(store_url) as opened:
        yield opened


def test_observations_round_trip_sorted_with_utc_timestamps(store):
    written = store.write_observations(pd.concat([_observations("b", 3), _observations("a", 4)]))
    frame = store.read_observations()
    assert written == 7
    assert frame["series_id"].tolist() == ["a"] * 4 + ["b"] * 3
    assert str(frame["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert frame["timestamp"].iloc[0] == T0
    assert frame["value"].tolist() == [0.0, 1.0, 2.0, 3.0, 0.0, 1.0, 2.0]
    assert store.series() == ["a", "b"]


def test_rewriting_a_key_replaces_it(store):
    store.write_observations(_observations("a", 5))
    store.write_observations(_observations("a", 3, offset=100.0, start=2))
    frame = store.read_observations("a")
    assert frame["timestamp"].is_unique
    assert frame["value"].tolist() == [0.0, 1.0, 102.0, 103.0, 104.0]


def test_naive_timestamps_are_utc_and_nanoseconds_survive(store):
    naive = pd.DataFrame(
        {
            "series_id": ["a", "a"],
            "timestamp": [pd.Timestamp("2024-03-01 12:00"), pd.Timestamp(1709294400000000007)],
            "value": [1.0, 2.0],
        }
    )
    store.write_observations(naive)
    stamps = store.read_observations()["timestamp"]
    assert stamps.iloc[0] == T0
    assert stamps.iloc[1].value == 1709294400000000007


def test_several_value_columns_and_missing_values(store):
    frame = _observations("m", 3).assign(load=[0.5, np.nan, 0.7])
    store.write_observations(frame)
    read = store.read_observations("m")
    assert list(read.columns) == ["series_id", "timestamp", "load", "value"]
    assert np.isnan(read["load"].iloc[1])
    assert read["load"].iloc[2] == 0.7


def test_contract_extras_label_and_imputed_flags_round_trip(store):
    frame = _observations("a", 3).assign(label=[0, 1, 0], value_imputed=[False, True, False])
    store.write_observations(frame)
    read = store.read_observations()
    assert read["label"].dtype == np.int8 and read["label"].tolist() == [0, 1, 0]
    assert read["value_imputed"].dtype == bool
    assert read["value_imputed"].tolist() == [False, True, False]


def test_filters_and_after(store):
    store.write_observations(pd.concat([_observations("a", 10), _observations("b", 10)]))
    window = store.read_observations(
        ["a"], start=T0 + pd.Timedelta("2s"), end=T0 + pd.Timedelta("4s")
    )
    assert window["value"].tolist() == [2.0, 3.0, 4.0]
    # Strictly after the series' entry; series absent from `after` give all rows.
    newer = store.read_observations(after={"a": T0 + pd.Timedelta("7s")})
    assert newer.groupby("series_id").size().to_dict() == {"a": 2, "b": 10}
    naive = store.read_observations("b", after={"b": (T0 + pd.Timedelta("8s")).tz_localize(None)})
    assert naive["value"].tolist() == [9.0]
    assert store.read_observations("nobody").empty


def test_latest_per_series(store):
    store.write_observations(pd.concat([_observations("a", 10), _observations("b", 3)]))
    assert store.latest() == {"a": T0 + pd.Timedelta("9s"), "b": T0 + pd.Timedelta("2s")}
    assert store.latest("b") == {"b": T0 + pd.Timedelta("2s")}
    assert store.latest("nobody") == {}


def test_scores_idempotent_per_detector(store):
    store.write_scores(_scores("a", "zscore", 4))
    store.write_scores(_scores("a", "zscore", 4, level=10.0))
    store.write_scores(_scores("a", "mad", 2))
    scores = store.read_scores()
    assert len(scores) == 6
    assert store.detectors() == ["mad", "zscore"]
    zscore = store.read_scores("a", detector="zscore")
    assert zscore["score"].tolist() == [10.0, 11.0, 12.0, 13.0]
    assert zscore["is_anomaly"].dtype == bool and zscore["is_anomaly"].all()
    assert zscore["status"].tolist() == ["warming_up", "ok", "ok", "ok"]
    late = store.read_scores(detector="mad", start=T0 + pd.Timedelta("1s"))
    assert late["timestamp"].tolist() == [T0 + pd.Timedelta("1s")]


def test_an_infinite_threshold_is_kept(store):
    # Rows warming up or never flagged carry an infinite threshold, as in detect's output.
    store.write_scores(_scores("a", "zscore", 3).assign(threshold=[np.inf, 2.5, 2.5]))
    assert store.read_scores()["threshold"].tolist() == [np.inf, 2.5, 2.5]
    with pytest.raises(DataError, match="column `score`, row 2: expected a finite number"):
        store.write_scores(_scores("a", "zscore", 3).assign(score=[0.0, np.inf, 1.0]))


def test_a_score_row_without_score_or_threshold_is_kept(store):
    # A point with a missing value, or a new series' model not fitted yet.
    missing = _scores("a", "zscore", 2).assign(
        score=[np.nan, 1.0], threshold=[np.nan, 2.5], status=["missing", "ok"]
    )
    store.write_scores(missing)
    read = store.read_scores()
    assert np.isnan(read["score"].iloc[0]) and np.isnan(read["threshold"].iloc[0])
    assert read["status"].tolist() == ["missing", "ok"]
    with pytest.raises(DataError, match="alerts frame, column `score`, row 1: expected a finite"):
        store.write_alerts(missing.drop(columns=["is_anomaly", "status"]))


def test_alerts_keyed_by_their_deterministic_id(store):
    alert = _scores("a", "zscore", 4).iloc[[3]].drop(columns=["is_anomaly", "status"])
    store.write_alerts(alert)
    store.write_alerts(alert.assign(delivered=True))
    alerts = store.read_alerts()
    assert len(alerts) == 1
    assert alerts["alert_id"].iloc[0] == "zscore:a:2024-03-01T12:00:03+00:00"
    assert alerts["alert_id"].iloc[0] == alert_id("zscore", "a", T0 + pd.Timedelta("3s"))
    assert bool(alerts["delivered"].iloc[0])
    assert store.read_alerts(detector="mad").empty


def test_labels_idempotent(store):
    labels = pd.DataFrame(
        {"series_id": ["a"], "timestamp": [T0], "label": [1], "source": ["dashboard"]}
    )
    store.write_labels(labels)
    store.write_labels(labels.assign(label=0, alert_id="zscore:a:x"))
    read = store.read_labels("a")
    assert read[["label", "alert_id", "source"]].values.tolist() == [[0, "zscore:a:x", "dashboard"]]
    assert read["label"].dtype == np.int8


def test_injection_requests_in_order(store):
    first = store.request_injection("a", "spike")
    second = store.request_injection("b", "level_shift", at=T0, magnitude=4.0)
    assert second > first
    requests = store.read_injections()
    assert requests["injection_id"].tolist() == [first, second]
    assert pd.isna(requests["at"].iloc[0]) and np.isnan(requests["magnitude"].iloc[0])
    assert requests["at"].iloc[1] == T0 and requests["magnitude"].iloc[1] == 4.0
    assert store.read_injections(after_id=first)["kind"].tolist() == ["level_shift"]
    assert store.read_injections(after_id=second).empty


def test_empty_store_reads_empty_frames(store):
    assert store.read_observations().empty
    assert list(store.read_scores().columns) == [
        "series_id", "timestamp", "detector", "score", "threshold", "is_anomaly", "status",
    ]  # fmt: skip
    assert store.series() == [] and store.detectors() == [] and store.latest() == {}


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"series_id": ["a"], "value": [1.0]}), "missing column `timestamp`"),
        (pd.DataFrame({"series_id": ["a"], "timestamp": [T0]}), "no value column"),
        (
            pd.DataFrame({"series_id": ["a", "a"], "timestamp": [T0, "soon"], "value": [1, 2]}),
            "column `timestamp`, row 2: expected a timestamp, got 'soon'",
        ),
        (
            pd.DataFrame({"series_id": ["a"], "timestamp": [T0], "value": ["high"]}),
            "column `value`, row 1: expected a finite number, got 'high'",
        ),
    ],
)
def test_bad_observations_named(store, frame, message):
    with pytest.raises(DataError, match=message):
        store.write_observations(frame)


def test_bad_scores_and_injections_named(store):
    with pytest.raises(DataError, match="scores frame: missing column `threshold`"):
        store.write_scores(_scores("a", "zscore", 2).drop(columns="threshold"))
    with pytest.raises(ConfigError, match="must be one of spike, level_shift"):
        store.request_injection("a", "meteor")


@pytest.mark.parametrize(
    "url", ["sqlite:///x.db", "duckdb://", "live.duckdb", "influxdb://localhost/db"]
)
def test_bad_url_names_the_schemes(url):
    with pytest.raises(ConfigError, match="duckdb:///"):
        open_store(url)


def test_awkward_series_ids_and_rows_without_values(store):
    awkward = 'rack 1,a=b\'s "x"'
    frame = _observations(awkward, 3).assign(value=[1.0, np.nan, 3.0])
    store.write_observations(frame)
    read = store.read_observations(awkward)
    assert read["series_id"].unique().tolist() == [awkward]
    assert len(read) == 3 and np.isnan(read["value"].iloc[1])
    assert store.latest(awkward) == {awkward: T0 + pd.Timedelta("2s")}
    store.write_labels(
        pd.DataFrame({"series_id": [awkward], "timestamp": [T0], "label": [1], "source": ['a "b"']})
    )
    assert store.read_labels(awkward)["source"].tolist() == ['a "b"']


def test_polling_many_series_with_after(store):
    ids = [f"s{i:03d}" for i in range(450)]
    frame = pd.concat([_observations(s, 3) for s in ids])
    store.write_observations(frame)
    after = dict.fromkeys(ids[:400], T0 + pd.Timedelta("1s")) | {ids[400]: T0}
    new = store.read_observations(after=after)
    counts = new.groupby("series_id").size()
    assert (counts[ids[:400]] == 1).all()
    assert counts[ids[400]] == 2
    assert (counts[ids[401:]] == 3).all()
    assert len(store.read_observations(ids[10:300])) == 290 * 3


def test_relative_duckdb_url_is_relative_to_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with open_store("duckdb:///data/live.duckdb") as store:
        store.write_observations(_observations("a", 2))
    assert (tmp_path / "data" / "live.duckdb").is_file()
    assert open_store(f"duckdb:///{tmp_path}/data/live.duckdb").series() == ["a"]


def test_a_series_appearing_between_polls_is_read_whole(store):
    store.write_observations(_observations("a", 5))
    cursor = store.latest()
    store.write_observations(_observations("b", 5))  # older than a's cursor: all of it is new
    store.write_observations(_observations("a", 1, start=5))
    new = store.read_observations(after=cursor)
    assert new.groupby("series_id").size().to_dict() == {"a": 1, "b": 5}


def _deleted(store, **counts: int) -> dict[str, int | None]:
    """What ``prune`` answers: DuckDB counts the rows it deleted; InfluxDB's DELETE does not."""
    return counts if store.url.startswith("duckdb") else dict.fromkeys(counts)


def _feedback(store) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One alert and one label at T0 + 1 s, older than the cutoffs below."""
    onset = _scores("a", "zscore", 4).iloc[[1]].drop(columns=["is_anomaly", "status"])
    store.write_alerts(onset)
    store.write_labels(
        pd.DataFrame({"series_id": ["a"], "timestamp": [T0 + pd.Timedelta("1s")], "label": [1]})
    )
    return store.read_alerts(), store.read_labels()


def test_prune_deletes_exactly_the_older_observations_and_scores(store):
    store.write_observations(pd.concat([_observations("a", 10), _observations("b", 4)]))
    store.write_scores(pd.concat([_scores("a", "zscore", 10), _scores("b", "mad", 4)]))
    alerts, labels = _feedback(store)
    cutoff = T0 + pd.Timedelta("3s")
    assert store.prune(cutoff) == _deleted(store, observations=6, scores=6)
    kept = store.read_observations()
    assert kept.groupby("series_id").size().to_dict() == {"a": 7, "b": 1}
    assert kept["timestamp"].min() == cutoff  # the cutoff itself is kept
    scores = store.read_scores()
    assert scores.groupby("detector").size().to_dict() == {"mad": 1, "zscore": 7}
    assert scores["timestamp"].min() == cutoff
    pd.testing.assert_frame_equal(store.read_alerts(), alerts)
    pd.testing.assert_frame_equal(store.read_labels(), labels)
    assert store.latest() == {"a": T0 + pd.Timedelta("9s"), "b": cutoff}


def test_prune_is_idempotent(store):
    store.write_observations(_observations("a", 10))
    store.write_scores(_scores("a", "zscore", 10))
    cutoff = T0 + pd.Timedelta("5s")
    store.prune(cutoff)
    assert store.prune(cutoff.tz_localize(None)) == _deleted(store, observations=0, scores=0)
    assert store.read_observations()["value"].tolist() == [5.0, 6.0, 7.0, 8.0, 9.0]
    assert len(store.read_scores()) == 5
    store.write_observations(_observations("a", 2, start=10))  # writing after a prune works
    assert len(store.read_observations()) == 7


def test_prune_alerts_and_labels_only_when_asked(store):
    store.write_observations(_observations("a", 4))
    _feedback(store)
    counts = store.prune(T0 + pd.Timedelta("2s"), tables=["labels", "alerts"])
    assert counts == _deleted(store, labels=1, alerts=1)
    assert list(counts) == ["labels", "alerts"]
    assert store.read_alerts().empty and store.read_labels().empty
    assert len(store.read_observations()) == 4
    assert store.prune(T0, tables="scores") == _deleted(store, scores=0)  # an empty table


def test_prune_refuses_an_unknown_table_or_no_cutoff(store):
    with pytest.raises(ConfigError, match="`tables` must name some of observations, scores, "):
        store.prune(T0, tables=["observations", "injections"])
    with pytest.raises(ConfigError, match="`before` must be a timestamp, got None"):
        store.prune(None)
    with pytest.raises(DataError, match="`before` must be a timestamp, got 'soon'"):
        store.prune("soon")
