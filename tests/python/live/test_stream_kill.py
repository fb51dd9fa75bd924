"""kill -9 at random moments: every point is still scored exactly once, as without kills.

``anomalia stream`` runs in a child process (forked from a fork server, so that
it starts in milliseconds rather than the seconds of a fresh interpreter) while this test
feeds the store, and is killed with SIGKILL after a random time, at least
:data:`KILLS` times, then restarted. Kills land while it starts, reads,
scores, writes scores or alerts, writes a checkpoint or sleeps. A last run
finishes the data. Its scores and alerts must equal those of one run without
kills over the same data: no key missing, none twice, identical scores and flags.
"""

from __future__ import annotations

import os
import random
import signal
import time

import numpy as np
import pandas as pd

from anomalia.cli.main import main
from anomalia.live.checkpoint import Checkpoints
from anomalia.store import open_store

from .conftest import observations

KILLS = 20
KEY = ["detector", "series_id", "timestamp"]


def _run_once(url: str, models: str, state) -> None:
    argv = ["stream", "--store", url, "--models", models, "--state", str(state), "--once"]
    assert main([*argv, "--quiet"]) == 0


def test_kill_9_loses_and_doubles_no_score(store_url, stream_models, fork_cli, tmp_path):
    frame = observations(n_series=4, n_points=600)  # s3 is a series the models never saw
    stamps = frame["timestamp"].unique()
    chunks = [frame[frame["timestamp"].isin(part)] for part in np.array_split(stamps, 2 * KILLS)]
    pace = random.Random(20260101)
    state = tmp_path / "state"
    argv = ["stream", "--store", store_url, "--models", stream_models, "--state", str(state),
            "--interval", "0.02s", "--quiet"]  # fmt: skip
    kills, cycles = 0, []
    with open_store(store_url) as store:
        while kills < KILLS:
            # A chunk waits for the stream, another arrives while it runs.
            store.write_observations(chunks[2 * kills])
            child = fork_cli(argv)
            time.sleep(pace.uniform(0.2, 2.0))
            store.write_observations(chunks[2 * kills + 1])
            time.sleep(pace.uniform(0.0, 0.6))
            os.kill(child.pid, signal.SIGKILL)
            child.join(10)
            assert child.exitcode == -signal.SIGKILL, "the stream died before it was killed"
            kills += 1
            if state.is_dir():
                cycles.append(Checkpoints(state, store_url).load().cycle)
        _run_once(store_url, stream_models, state)
        scores = store.read_scores().sort_values(KEY, ignore_index=True)
        alerts = store.read_alerts().sort_values("alert_id", ignore_index=True)
    reference_url = store_url + "_reference"
    with open_store(reference_url) as store:
        store.write_observations(frame)
        _run_once(reference_url, stream_models, tmp_path / "reference-state")
        expected = store.read_scores().sort_values(KEY, ignore_index=True)
        expected_alerts = store.read_alerts().sort_values("alert_id", ignore_index=True)

    assert kills >= KILLS
    # Restarts resumed from checkpoints and went on (cycles completed after each kill).
    resumed = sum(later > earlier for earlier, later in zip(cycles, cycles[1:], strict=False))
    assert resumed >= KILLS // 4, f"the stream rarely got through a cycle: {cycles}"
    assert not scores.duplicated(KEY).any()
    assert len(scores) == len(expected) == len(frame)
    pd.testing.assert_frame_equal(scores[KEY], expected[KEY])
    np.testing.assert_allclose(scores["score"], expected["score"], rtol=1e-9)
    np.testing.assert_allclose(scores["threshold"], expected["threshold"], rtol=1e-9)
    assert scores["is_anomaly"].tolist() == expected["is_anomaly"].tolist()
    assert scores["status"].tolist() == expected["status"].tolist()
    assert alerts["alert_id"].tolist() == expected_alerts["alert_id"].tolist()
    assert len(alerts) >= 8
