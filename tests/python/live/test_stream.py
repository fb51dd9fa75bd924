"""``anomalia stream`` against a real store: scores, alerts, webhook, metrics, SIGTERM."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import urllib.request
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from anomalia.cli.main import main
from anomalia.exceptions import StoreError
from anomalia.live import stream as live_stream
from anomalia.live.checkpoint import Checkpoints
from anomalia.live.metrics import StreamMetrics
from anomalia.live.stream import Stream, load_model_sets
from anomalia.modelset import ModelSet
from anomalia.store import open_store

from .conftest import N_POINTS, Receiver, observations


def _stream(store_url: str, models: str, state, *extra: str) -> int:
    argv = ["stream", "--store", store_url, "--models", models, "--state", str(state)]
    return main([*argv, "--once", "--quiet", *extra])


def _by_key(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["detector", "series_id", "timestamp"], ignore_index=True)


def test_stream_scores_new_points_as_detect_scores_the_whole_file(
    store_url, stream_models, tmp_path
):
    frame = observations()
    frame["series_id"] = frame["series_id"].replace({"s2": "never-trained"})
    with open_store(store_url) as store:
        store.write_observations(frame[frame["timestamp"] < "2026-01-01 00:04"])
        assert _stream(store_url, stream_models, tmp_path / "state") == 0
        first = len(store.read_scores())
        store.write_observations(frame[frame["timestamp"] >= "2026-01-01 00:04"])
        assert _stream(store_url, stream_models, tmp_path / "state") == 0
        assert _stream(store_url, stream_models, tmp_path / "state") == 0  # nothing new
        scores = _by_key(store.read_scores())
        alerts = store.read_alerts()
    assert 0 < first < len(frame) == len(scores)
    whole = frame.assign(timestamp=frame["timestamp"].dt.tz_localize("UTC"))
    expected = _by_key(ModelSet.load(f"{stream_models}/zscore").score(whole, progress=False))
    np.testing.assert_allclose(scores["score"], expected["score"], rtol=1e-9)
    assert scores["is_anomaly"].tolist() == expected["is_anomaly"].tolist()
    assert scores["status"].tolist() == expected["status"].tolist()
    # One alert per flagged run: the lone spike and the run of three in every series.
    onsets = expected["is_anomaly"] & ~expected.groupby("series_id")["is_anomaly"].shift(
        fill_value=False
    )
    assert len(alerts) == onsets.sum() >= 2 * 3
    assert set(alerts["alert_id"]) == {
        f"zscore:{row.series_id}:{row.timestamp.isoformat()}"
        for row in expected[onsets].itertuples()
    }
    assert not alerts["delivered"].any()


def test_alerts_reach_the_webhook_once_even_when_it_was_down(store_url, stream_models, tmp_path):
    frame = observations()
    with open_store(store_url) as store:
        store.write_observations(frame[frame["timestamp"] < "2026-01-01 00:05:30"])
        down = Receiver(fail_first=10**6)
        try:
            _stream(store_url, stream_models, tmp_path / "state", "--webhook", down.url)
        finally:
            down.close()
        assert not store.read_alerts()["delivered"].any()
        up = Receiver()
        try:
            # The next cycles retry the pending alerts, then send the new ones.
            _stream(store_url, stream_models, tmp_path / "state", "--webhook", up.url)
            store.write_observations(frame[frame["timestamp"] >= "2026-01-01 00:05:30"])
            _stream(store_url, stream_models, tmp_path / "state", "--webhook", up.url)
            _stream(store_url, stream_models, tmp_path / "state", "--webhook", up.url)
        finally:
            up.close()
        alerts = store.read_alerts()
    assert down.refused > 0
    received = [body["alert_id"] for body in up.received]
    assert sorted(received) == sorted(alerts["alert_id"]) and len(set(received)) == len(received)
    assert alerts["delivered"].all()
    assert set(up.received[0]) == {"alert_id", "series_id", "timestamp", "detector", "score",
                                   "threshold"}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_metrics_count_points_and_alerts(tmp_path, stream_models):
    url = f"duckdb:///{tmp_path / 'live.duckdb'}"
    frame = observations()
    metrics = StreamMetrics()
    port = _free_port()
    metrics.serve(port)
    try:
        with open_store(url) as store:
            store.write_observations(frame)
            checkpoints = Checkpoints(tmp_path / "state", url)
            report = Stream(
                store, load_model_sets(stream_models), checkpoints, metrics=metrics
            ).cycle()
            checkpoints.close()
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read()
    finally:
        metrics.close()
    lines = dict(
        line.rsplit(" ", 1) for line in text.decode().splitlines() if not line.startswith("#")
    )
    assert float(lines['anomalia_stream_points_scored_total{detector="zscore"}']) == len(frame)
    assert float(lines['anomalia_stream_alerts_raised_total{detector="zscore"}']) == report.alerts
    assert report.alerts >= 6
    assert float(lines["anomalia_stream_cycle_seconds_count"]) == 1
    assert float(lines["anomalia_stream_lag_seconds"]) > 0


def test_sigterm_finishes_the_cycle_checkpoints_and_exits_0(tmp_path, stream_models, fork_cli):
    url = f"duckdb:///{tmp_path / 'live.duckdb'}"
    with open_store(url) as store:
        store.write_observations(observations())
    state = tmp_path / "state"
    child = fork_cli(["stream", "--store", url, "--models", stream_models, "--state", str(state),
                      "--interval", "0.05s", "--quiet"])  # fmt: skip
    deadline = time.monotonic() + 60
    while not list(state.glob("checkpoint-*.npz")) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGTERM)
    child.join(30)
    assert child.exitcode == 0
    progress = Checkpoints(state, url).load()
    assert set(progress.cursor) == {"s0", "s1", "s2"}


def test_a_bad_store_url_and_a_missing_model_root_are_one_line_errors(tmp_path, capsys):
    assert main(["stream", "--store", "mysql://x", "--models", str(tmp_path), "--once"]) == 2
    assert "unknown scheme" in capsys.readouterr().err
    code = main(["stream", "--store", f"duckdb:///{tmp_path}/s.duckdb", "--models",
                 str(tmp_path), "--once"])  # fmt: skip
    assert code == 1
    assert "no trained models" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0s", "-1s", "soon"])
def test_interval_must_be_a_positive_duration(value, capsys):
    with pytest.raises(SystemExit):
        main(["stream", f"--interval={value}"])
    assert "positive duration" in capsys.readouterr().err


def test_an_alert_budget_flags_as_detect_with_the_same_budget(tmp_path, stream_models):
    url = f"duckdb:///{tmp_path / 'live.duckdb'}"
    frame = observations()
    with open_store(url) as store:
        store.write_observations(frame)
        _stream(url, stream_models, tmp_path / "state", "--alerts-per-1000", "5")
        scores = _by_key(store.read_scores())
    budget = {"method": "budget", "alerts_per_1000": 5.0}
    model_set = ModelSet.load(f"{stream_models}/zscore").rethreshold(budget)
    whole = frame.assign(timestamp=frame["timestamp"].dt.tz_localize("UTC"))
    expected = _by_key(model_set.score(whole, progress=False))
    trained = _by_key(ModelSet.load(f"{stream_models}/zscore").score(whole, progress=False))
    ready = expected["status"] == "ok"
    assert not np.allclose(expected["threshold"][ready], trained["threshold"][ready])
    np.testing.assert_allclose(scores["threshold"][ready], expected["threshold"][ready])
    assert scores["is_anomaly"].tolist() == expected["is_anomaly"].tolist()


def _trained(root, threshold: dict | None = None) -> str:
    frame = observations()
    frame["timestamp"] = frame["timestamp"].dt.tz_localize("UTC")
    model_set = ModelSet("zscore", {"window": 24}, threshold)
    model_set.fit(frame, train_fraction=0.5, progress=False).save(root / "zscore")
    return str(root)


def test_a_series_the_models_cannot_score_is_skipped_and_the_others_go_on(tmp_path, caplog):
    models = _trained(tmp_path / "models")  # no new-series way: unseen series are refused
    url = f"duckdb:///{tmp_path / 'live.duckdb'}"
    frame = observations()
    frame.loc[frame["series_id"] == "s2", "series_id"] = "stranger"
    with open_store(url) as store:
        store.write_observations(frame)
        assert _stream(url, models, tmp_path / "state") == 0
        scored = store.read_scores()
    assert sorted(scored["series_id"].unique()) == ["s0", "s1"]
    assert len(scored) == 2 * len(frame) // 3
    assert "series `stranger` is not scored" in caplog.text


def test_models_that_cannot_stream_are_refused_before_any_work(tmp_path, capsys):
    models = _trained(tmp_path / "models", {"method": "dynamic"})
    url = f"duckdb:///{tmp_path / 'live.duckdb'}"
    assert main(["stream", "--store", url, "--models", models, "--once"]) == 1
    assert "cannot continue a stream" in capsys.readouterr().err


def test_a_model_set_that_cannot_stream_is_left_out_of_the_others(tmp_path, caplog):
    """`make run` streams what `make demo` trained: a dynamic threshold is named and skipped."""
    root = tmp_path / "models"
    _trained(root)
    frame = observations()
    frame["timestamp"] = frame["timestamp"].dt.tz_localize("UTC")
    ModelSet("mad", {"window": 24}, {"method": "dynamic"}).fit(
        frame, train_fraction=0.5, progress=False
    ).save(root / "mad")
    url = f"duckdb:///{tmp_path / 'live.duckdb'}"
    with open_store(url) as store:
        store.write_observations(observations())
        assert _stream(url, str(root), tmp_path / "state") == 0
        assert set(store.read_scores()["detector"]) == {"zscore"}
    assert "not streamed" in caplog.text and "mad" in caplog.text
    assert main(["stream", "--store", url, "--models", str(root / "mad"), "--once"]) == 1


def test_checkpoints_of_other_models_stop_the_stream_with_what_to_do(tmp_path, capsys):
    url = f"duckdb:///{tmp_path / 'live.duckdb'}"
    frame = observations()
    with open_store(url) as store:
        store.write_observations(frame[frame["timestamp"] < "2026-01-01 00:04"])
        assert _stream(url, _trained(tmp_path / "models"), tmp_path / "state") == 0
        store.write_observations(frame[frame["timestamp"] >= "2026-01-01 00:04"])
        retrained = _trained(tmp_path / "models", {"method": "quantile", "contamination": 0.05})
        assert _stream(url, retrained, tmp_path / "state") == 2
        assert len(store.read_scores()) < len(frame)  # nothing skipped silently
    error = capsys.readouterr().err
    assert "belongs to model fingerprint" in error and "remove that folder" in error


def _two_hours_with_a_gap() -> pd.DataFrame:
    """:func:`observations` moved to end 23 minutes ago: the first 200 points of each
    series two hours ago, the others 90 minutes later, so a 1 h cutoff splits them
    whatever the seconds the test takes."""
    frame = observations()
    position = frame.groupby("series_id").cumcount().to_numpy()
    base = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s") - pd.Timedelta("2h")
    late = np.where(position >= N_POINTS // 2, 90 * 60, 0)
    frame["timestamp"] = base + pd.to_timedelta(position + late, unit="s")
    return frame


def test_retention_prunes_after_scoring_and_keeps_alerts_and_labels(
    store_url, stream_models, tmp_path, caplog
):
    caplog.set_level(logging.INFO, logger="anomalia.live.stream")
    frame = _two_hours_with_a_gap()
    old = frame[frame.groupby("series_id").cumcount() < N_POINTS // 2]
    new = frame.drop(old.index)
    with open_store(store_url) as store:
        store.write_observations(old)
        assert _stream(store_url, stream_models, tmp_path / "state") == 0  # no retention
        old_onset = old["timestamp"].iloc[[50]]
        store.write_alerts(
            pd.DataFrame({"series_id": "s0", "timestamp": old_onset, "detector": "zscore",
                          "score": 9.0, "threshold": 3.0})
        )  # fmt: skip
        store.write_labels(pd.DataFrame({"series_id": "s0", "timestamp": old_onset, "label": 1}))
        old_alerts, labels = store.read_alerts(), store.read_labels()
        store.write_observations(new)
        assert _stream(store_url, stream_models, tmp_path / "state", "--retention", "1h") == 0
        # The new points were scored before the old ones were pruned.
        kept, scores = store.read_observations(), store.read_scores()
        first_new = new["timestamp"].min().tz_localize("UTC")
        assert len(kept) == len(new) and kept["timestamp"].min() == first_new
        assert len(scores) == len(new) and scores["timestamp"].min() == kept["timestamp"].min()
        alerts = store.read_alerts()
        still = alerts[alerts["alert_id"].isin(old_alerts["alert_id"])].reset_index(drop=True)
        pd.testing.assert_frame_equal(still, old_alerts)
        assert (old_alerts["timestamp"] < first_new).all() and len(alerts) > len(old_alerts)
        pd.testing.assert_frame_equal(store.read_labels(), labels)
    counted = store_url.startswith("duckdb")
    deleted = f"{len(old)}, scores {len(old)}" if counted else "?, scores ?"
    assert f"(retention 1:00:00): observations {deleted}" in caplog.text


def test_a_stream_prunes_after_its_first_cycle_then_at_most_hourly(
    tmp_path, stream_models, monkeypatch
):
    monkeypatch.setattr(live_stream, "PRUNE_RETRY_S", 0.0)  # after a failure: the next cycle
    url = f"duckdb:///{tmp_path / 'live.duckdb'}"
    with open_store(url) as store:
        store.write_observations(observations())
        cutoffs = []
        prune = store.prune

        def failing_once(before, *args):
            cutoffs.append(before)
            if len(cutoffs) == 1:  # a store out of reach: tried again
                raise StoreError("the store is locked")
            return prune(before, *args)

        store.prune = failing_once
        checkpoints = Checkpoints(tmp_path / "state", url)
        runner = Stream(
            store, load_model_sets(stream_models), checkpoints, retention=timedelta(days=30)
        )
        stop = threading.Timer(1.0, runner.stop)
        stop.start()
        try:
            runner.run(0.02, log_every=10**6)
        finally:
            stop.cancel()
            checkpoints.close()
        # January's points, older than 30 days, were scored, then pruned.
        assert len(runner.progress.cursor) == 3
        assert store.read_observations().empty and store.read_scores().empty
    assert len(cutoffs) == 2
    expected = pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=30)
    assert abs(cutoffs[1] - expected) < pd.Timedelta("1min")


@pytest.mark.parametrize("value", ["30", "3m", "0d", "-1d", "soon", "1.5d"])
def test_retention_must_be_days_hours_or_weeks(value, capsys):
    with pytest.raises(SystemExit):
        main(["stream", f"--retention={value}"])
    assert (
        f"argument --retention: expected a whole number of days, hours or weeks such as "
        f"30d, 12h or 2w, got {value!r}"
    ) in capsys.readouterr().err
