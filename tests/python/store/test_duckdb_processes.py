"""Several processes share one DuckDB store file (simulator, stream, dashboard)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import pandas as pd
import pytest

from anomalia.exceptions import StoreError
from anomalia.store import open_store

BATCHES, ROWS = 20, 5

WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    import pandas as pd
    from anomalia.store import open_store

    store = open_store(sys.argv[1])
    t0 = pd.Timestamp("2024-01-01", tz="UTC")
    for batch in range({batches}):
        rows = np.arange(batch * {rows}, (batch + 1) * {rows})
        store.write_observations(pd.DataFrame({{
            "series_id": "child",
            "timestamp": t0 + pd.to_timedelta(rows, unit="s"),
            "value": rows.astype(float),
        }}))
    print("done")
    """
).format(batches=BATCHES, rows=ROWS)


def _start_writer(url: str) -> subprocess.Popen:
    """Another process running WRITER against the store at ``url``."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, url],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_write_and_read_one_file_at_once(tmp_path):
    url = f"duckdb:///{tmp_path / 'live.duckdb'}"
    store = open_store(url)
    child = _start_writer(url)
    t0 = pd.Timestamp("2024-01-01", tz="UTC")
    seen = []
    # While the child writes observations, this process reads them and writes scores.
    while child.poll() is None or not seen:
        observations = store.read_observations("child")
        seen.append(len(observations))
        store.write_scores(
            pd.DataFrame(
                {
                    "series_id": "child",
                    "timestamp": [t0 + pd.Timedelta(seconds=len(seen))],
                    "detector": "zscore",
                    "score": [float(len(observations))],
                    "threshold": [3.0],
                    "is_anomaly": [False],
                }
            )
        )
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert out.strip() == "done"
    final = store.read_observations("child")
    assert final["value"].tolist() == list(range(BATCHES * ROWS))
    assert len(store.read_scores("child")) == len(seen)
    assert seen == sorted(seen)  # reads never went backwards


def test_a_file_held_open_elsewhere_gives_a_clear_error_after_the_timeout(tmp_path):
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', "
            "flush=True); time.sleep(30)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreError, match="held.duckdb: still locked by another process"):
            open_store(f"duckdb:///{path}", lock_timeout=0.3)
    finally:
        holder.kill()
        holder.wait()
    assert open_store(f"duckdb:///{path}").series() == []


def test_a_file_that_is_not_a_store_is_named(tmp_path):
    path = tmp_path / "notes.duckdb"
    path.write_text("shopping list\n")
    with pytest.raises(StoreError, match="notes.duckdb"):
        open_store(f"duckdb:///{path}")


@pytest.mark.parametrize("shared", [True, False], ids=["one store", "a store per thread"])
def test_threads_of_one_process_write_and_read_at_once(tmp_path, shared):
    url = f"duckdb:///{tmp_path / 'live.duckdb'}"
    common = open_store(url)
    t0 = pd.Timestamp("2024-01-01", tz="UTC")
    failures = []

    def work(name: str) -> None:
        store = common if shared else open_store(url)
        try:
            for batch in range(8):
                stamps = t0 + pd.to_timedelta(range(batch * 3, batch * 3 + 3), unit="s")
                store.write_observations(
                    pd.DataFrame({"series_id": name, "timestamp": stamps, "value": 1.0})
                )
                assert len(store.read_observations(name)) == 3 * (batch + 1)
        except Exception as error:  # reported below, with the thread's name
            failures.append(f"{name}: {error!r}")

    threads = [threading.Thread(target=work, args=(f"t{k}",)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert common.read_observations().groupby("series_id").size().to_dict() == dict.fromkeys(
        ["t0", "t1", "t2", "t3"], 24
    )


def test_pruning_while_another_process_writes(tmp_path):
    url = f"duckdb:///{tmp_path / 'live.duckdb'}"
    store = open_store(url)
    child = _start_writer(url)
    cutoff = pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(seconds=BATCHES * ROWS // 2)
    deleted = []
    while child.poll() is None or not deleted:
        deleted.append(store.prune(cutoff)["observations"])
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert out.strip() == "done"
    deleted.append(store.prune(cutoff)["observations"])  # the rows written after the last one
    # Every row older than the cutoff was deleted once (batch by batch, as they came);
    # every newer row is there.
    assert sum(deleted) == BATCHES * ROWS // 2
    kept = store.read_observations("child")
    assert kept["value"].tolist() == list(range(BATCHES * ROWS // 2, BATCHES * ROWS))


def test_prune_deletes_in_chunks_each_its_own_transaction(tmp_path, monkeypatch):
    """A large prune releases the file between chunks, so other processes are not
    kept waiting past their lock_timeout."""
    import anomalia.store.duckdb as backend

    monkeypatch.setattr(backend, "_PRUNE_CHUNK", 7)
    store = open_store(f"duckdb:///{tmp_path / 'live.duckdb'}")
    t0 = pd.Timestamp("2024-01-01", tz="UTC")
    stamps = t0 + pd.to_timedelta(range(50), unit="s")
    store.write_observations(pd.DataFrame({"series_id": "a", "timestamp": stamps, "value": 1.0}))
    transactions = []
    run = store._run
    monkeypatch.setattr(store, "_run", lambda work: transactions.append(1) or run(work))
    assert store.prune(t0 + pd.Timedelta("28s")) == {"observations": 28, "scores": 0}
    assert len(transactions) == 5 + 1  # 7, 7, 7, 7, 0 rows; the empty scores table once
    assert store.read_observations()["timestamp"].min() == t0 + pd.Timedelta("28s")
