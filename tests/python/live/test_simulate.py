"""``anomalia simulate``: rows written, injected anomalies, requests, pacing, stopping."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

import numpy as np
import pandas as pd
import pytest

from anomalia.cli.main import main
from anomalia.contract import write_observations
from anomalia.exceptions import ConfigError
from anomalia.live.injections import parse_injection
from anomalia.live.simulate import Simulator, prepare
from anomalia.store import open_store
from anomalia.synthetic import generate

SYNTHETIC = ["--series", "2", "--length", "200", "--freq", "1min", "--seed", "3"]


def _generated() -> pd.DataFrame:
    return generate(n_series=2, length=200, freq="1min", seed=3).observations


def _small(n: int = 6, step: str = "1s") -> pd.DataFrame:
    """Two series of n points a `step` apart: `a` is 0, 1, 2, ..., `b` 100, 102, 104, ..."""
    stamps = pd.date_range("2024-01-01", periods=n, freq=step, tz="UTC").as_unit("ns")
    return pd.DataFrame(
        {
            "series_id": ["a"] * n + ["b"] * n,
            "timestamp": list(stamps) * 2,
            "value": np.r_[np.arange(n, dtype=float), 100 + 2 * np.arange(n, dtype=float)],
        }
    )


def test_max_speed_writes_every_point_with_timestamps_moved_to_now(tmp_path):
    url = f"duckdb:///{tmp_path / 'live.duckdb'}"
    before = pd.Timestamp.now(tz="UTC").floor("s")
    assert main(["simulate", "--store", url, "--speed", "max", "--quiet", *SYNTHETIC]) == 0
    stored = open_store(url).read_observations()
    source = _generated()
    assert len(stored) == len(source) == 400
    assert list(stored.columns) == ["series_id", "timestamp", "value"]  # no ground truth
    first = stored["timestamp"].min()
    assert before <= first <= pd.Timestamp.now(tz="UTC")
    shift = first - source["timestamp"].min()
    np.testing.assert_array_equal(stored["timestamp"], source["timestamp"] + shift)
    np.testing.assert_array_equal(stored["value"], source["value"])


def test_data_file_replayed_with_its_own_timestamps(store_url, tmp_path):
    data = tmp_path / "small.parquet"
    write_observations(_small(), data)
    argv = ["simulate", "--store", store_url, "--data", str(data), "--speed", "max"]
    assert main([*argv, "--timestamps", "keep", "--quiet"]) == 0
    pd.testing.assert_frame_equal(open_store(store_url).read_observations(), _small())


def test_injected_spike_lands_at_its_offset(store_url):
    argv = ["simulate", "--store", store_url, "--speed", "max", "--timestamps", "keep"]
    inject = ["--inject", "spike@+10m,series=s01-temperature,magnitude=8"]
    assert main([*argv, *inject, "--quiet", *SYNTHETIC]) == 0
    stored = open_store(store_url).read_observations("s01-temperature")
    source = _generated().query("series_id == 's01-temperature'").reset_index(drop=True)
    difference = stored["value"] - source["value"]
    changed = np.flatnonzero(difference.abs() > 1e-9)
    assert changed.tolist() == [10]
    assert stored["timestamp"].iloc[10] == source["timestamp"].iloc[0] + pd.Timedelta("10min")
    assert difference.iloc[10] == pytest.approx(8 * np.nanstd(source["value"]))


def test_a_request_in_the_store_is_applied_to_the_next_points(store_url):
    frame = _small(n=40)
    with open_store(store_url) as store:
        simulator = Simulator(store, prepare(frame, timestamps="keep"), speed=1.0)
        simulator.step(elapsed_ns=4e9)  # rows of 0-4 s
        store.request_injection("a", "level_shift", magnitude=2.0)
        at = pd.Timestamp("2024-01-01 00:00:10", tz="UTC")
        store.request_injection("b", "flatline", at=at)
        while not simulator.finished:
            simulator.step(elapsed_ns=np.inf)
        stored = store.read_observations()
    a = stored.query("series_id == 'a'")["value"].to_numpy()
    spread = np.std(np.arange(40.0))
    shifted = np.flatnonzero(np.abs(a - np.arange(40.0)) > 1e-9)
    assert shifted.tolist() == list(range(5, 25))  # the next point on, 20 points
    np.testing.assert_allclose(a[5:25] - np.arange(5.0, 25.0), 2 * spread)
    b = stored.query("series_id == 'b'")["value"].to_numpy()
    expected = 100 + 2 * np.arange(40.0)
    expected[10:30] = expected[9]  # the value before `at`, held for 20 points
    np.testing.assert_array_equal(b, expected)
    assert [i.kind for i in simulator.applied] == ["level_shift", "flatline"]
    assert all(i.source.startswith("request ") for i in simulator.applied)


def test_requests_made_before_the_run_are_not_replayed(tmp_path):
    with open_store(f"duckdb:///{tmp_path / 'live.duckdb'}") as store:
        store.request_injection("a", "spike")
        simulator = Simulator(store, prepare(_small(), timestamps="keep"), speed=np.inf)
        simulator.run()
        assert simulator.applied == []
        assert store.read_observations("a")["value"].tolist() == list(range(6))


def test_real_time_pacing_and_duration(tmp_path):
    url = f"duckdb:///{tmp_path / 'live.duckdb'}"
    with open_store(url) as store:
        # 6 points a second apart at speed 5: the last is due 1 s after the start.
        simulator = Simulator(store, prepare(_small(), timestamps="keep"), speed=5.0)
        began = time.monotonic()
        assert simulator.run() == 12
        assert 0.95 <= time.monotonic() - began < 5
    with open_store(f"duckdb:///{tmp_path / 'slow.duckdb'}") as store:
        # At speed 1 only the first point of each series is due within 0.3 s.
        simulator = Simulator(store, prepare(_small(), timestamps="keep"), speed=1.0)
        assert simulator.run(duration=0.3) == 2


def test_sigterm_stops_cleanly(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="anomalia")
    url = f"duckdb:///{tmp_path / 'live.duckdb'}"

    def terminate_once_writing() -> None:
        store = open_store(url, lock_timeout=60)
        deadline = time.monotonic() + 60
        while not store.series() and time.monotonic() < deadline:
            time.sleep(0.05)
        if store.series():  # only then is the simulator's handler sure to be in place
            os.kill(os.getpid(), signal.SIGTERM)  # a real signal

    killer = threading.Thread(target=terminate_once_writing)
    killer.start()
    began = time.monotonic()
    status = main(["simulate", "--store", url, *SYNTHETIC])  # speed 1: 200 minutes of data
    killer.join()
    assert status == 0
    assert time.monotonic() - began < 30
    assert "SIGTERM: stopping" in caplog.text
    assert "wrote 2 points" in caplog.text  # speed 1, one-minute data: only the first points
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is put back


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("spike", "expected KIND@\\+OFFSET"),
        ("meteor@+5m", "unknown kind `meteor`; expected one of spike, level_shift"),
        ("spike@+soon", "offset 'soon' is not a duration"),
        ("spike@+5m,magnitude=big", "`magnitude` must be a finite number, got 'big'"),
        ("level_shift@+5m,length=0", "`length` must be an integer ≥ 1, got '0'"),
        ("spike@+5m,colour=red", "unknown option `colour`"),
    ],
)
def test_bad_inject_syntax(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_injection(text)


def test_cli_errors_are_one_line_with_usage_status(tmp_path, capsys):
    url = f"duckdb:///{tmp_path / 'live.duckdb'}"
    assert main(["simulate", "--store", url, "--inject", "spike@5m", *SYNTHETIC]) == 2
    assert "expected KIND@+OFFSET" in capsys.readouterr().err
    argv = ["simulate", "--store", url, "--inject", "spike@+5m,series=nope", *SYNTHETIC]
    assert main(argv) == 2
    assert "no series `nope` in the replay" in capsys.readouterr().err
    assert main(["simulate", "--store", "postgres://x", *SYNTHETIC]) == 2
    assert "unknown scheme" in capsys.readouterr().err
    assert main(["simulate", "--store", url, "--speed", "-1", *SYNTHETIC]) == 2
    assert "--speed must be a positive number or `max`" in capsys.readouterr().err


def test_start_fraction_and_backfill_choose_the_first_points():
    frame = _small(n=11)  # 0 to 10 s
    now = pd.Timestamp("2030-01-01 00:00:00", tz="UTC")
    replay = prepare(frame, start_fraction=0.5, backfill=pd.Timedelta("2s"), now=now)
    a = replay.rows.query("series_id == 'a'")
    assert a["value"].tolist() == [3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    # The start (5 s into the data) is `now`; the backfill lies before it.
    assert pd.to_datetime(a["timestamp"].iloc[2], utc=True) == now
    assert (replay.offsets[:4] < 0).all() and replay.offsets[4] == 0
