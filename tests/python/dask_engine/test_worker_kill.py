"""A worker process killed mid-run: the scheduler reruns its tasks, nothing lost or doubled."""

from __future__ import annotations

import os
import signal
import threading
import time

import pandas as pd

from anomalia.distributed.detect import detect_on_cluster
from anomalia.distributed.partitions import from_dataset, read_parts
from anomalia.modelset import ModelSet

from .conftest import make_observations

N_FILES = 6


def _busy_worker(client, deadline: float) -> str | None:
    """Address of a worker with a task running now, once one has."""
    while time.monotonic() < deadline:
        for address, keys in client.processing().items():
            if any("_score_partition" in str(key) for key in keys):
                return address
        time.sleep(0.02)
    return None


def test_a_killed_worker_loses_and_doubles_nothing(client, tmp_path):
    observations = make_observations(n_series=2 * N_FILES, length=1500, seed=5)
    (tmp_path / "data").mkdir()
    for index, (_, rows) in enumerate(observations.groupby(observations.index // 3000)):
        rows.to_parquet(tmp_path / "data" / f"file-{index}.parquet", index=False)
    # A detector slow enough to score that the kill lands while tasks run.
    model_set = ModelSet("iforest", {"random_state": 0, "n_estimators": 40})
    model_set.fit(observations, train_fraction=0.5, progress=False)
    model_set.save(tmp_path / "iforest")
    expected = model_set.score(observations, progress=False)
    partitions = from_dataset(tmp_path / "data")
    assert len(partitions) == N_FILES

    pids = client.run(os.getpid)
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["results"] = detect_on_cluster(
                client, tmp_path / "iforest", partitions, tmp_path / "out"
            )
        except Exception as error:  # reported by the assertion below
            outcome["error"] = error

    runner = threading.Thread(target=run)
    runner.start()
    victim = _busy_worker(client, time.monotonic() + 120)
    assert victim is not None, "no task started within two minutes"
    os.kill(pids[victim], signal.SIGKILL)
    runner.join(timeout=300)
    assert not runner.is_alive()
    assert "error" not in outcome, outcome.get("error")

    # The killed process is gone (its nanny started a new one) and the run still completed.
    assert pids[victim] not in client.run(os.getpid).values()
    files = sorted(p.name for p in (tmp_path / "out").glob("part-*.parquet"))
    assert files == [f"part-{index:05d}.parquet" for index in range(N_FILES)]
    assert [result.index for result in outcome["results"]] == list(range(N_FILES))
    scored = read_parts(tmp_path / "out")
    assert not scored.duplicated(["series_id", "timestamp"]).any()
    pd.testing.assert_frame_equal(scored, expected, check_dtype=False)
