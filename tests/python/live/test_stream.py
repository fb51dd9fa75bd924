"""``anomalia stream`` against a real store: scores, alerts, webhook, metrics, SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import time
import urllib.request

import numpy as np
import pandas as pd
import pytest

from anomalia.cli.main import main
from anomalia.live.checkpoint import Checkpoints
from anomalia.live.metrics import StreamMetrics
from anomalia.live.stream import Stream, load_model_sets
from anomalia.modelset import ModelSet
from anomalia.store import open_store

from .conftest import Receiver, observations


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
