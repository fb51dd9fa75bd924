"""Stream checkpoints: one file per cycle, deltas on a full one, whole files only."""

from __future__ import annotations

import numpy as np
import pytest

from anomalia.engine.state import StreamState
from anomalia.exceptions import DataError
from anomalia.live.checkpoint import Checkpoints, Progress

STORE = "duckdb:///live.duckdb"


def _state(n_seen: int) -> StreamState:
    history = np.arange(3 * n_seen, dtype=np.float64).reshape(-1, 1)
    threshold = {"level": 2.5, "peaks": np.linspace(0, 1, n_seen)}
    return StreamState("f" * 16, n_seen, history, threshold, last_timestamp=n_seen * 10**9)


def _progress(cycle: int, series: list[str]) -> Progress:
    progress = Progress(cycle=cycle)
    for index, name in enumerate(series):
        progress.states[("zscore", name)] = _state(cycle + index + 1)
        progress.cursor[name] = (cycle + index) * 10**9
        progress.flagged[("zscore", name)] = bool(index % 2)
    progress.pending = [{"alert_id": f"zscore:{series[0]}:{cycle}"}]
    return progress


def _same(first: Progress, second: Progress) -> None:
    assert first.cursor == second.cursor
    assert first.flagged == second.flagged
    assert first.pending == second.pending
    assert first.cycle == second.cycle
    assert first.states.keys() == second.states.keys()
    for key, state in first.states.items():
        other = second.states[key]
        assert other.n_seen == state.n_seen and other.last_timestamp == state.last_timestamp
        np.testing.assert_array_equal(other.history, state.history)
        np.testing.assert_array_equal(other.threshold["peaks"], state.threshold["peaks"])


def test_deltas_and_compaction_restore_the_last_cycle(tmp_path):
    folder = tmp_path / "state"
    writer = Checkpoints(folder, STORE, compact_every=3)
    assert writer.load() == Progress()
    progress = _progress(1, ["a", "b", "c"])
    writer.save(progress, {"a", "b", "c"})
    for cycle in range(2, 9):
        changed = _progress(cycle, ["b"])  # only `b` moves on
        progress.states.update(changed.states)
        progress.cursor.update(changed.cursor)
        progress.flagged.update(changed.flagged)
        progress.pending, progress.cycle = changed.pending, cycle
        writer.save(progress, {"b"})
    writer.close()
    files = sorted(path.name for path in folder.glob("checkpoint-*.npz"))
    assert len(files) <= 4  # the full file of cycle 5 and the deltas after it
    restored = Checkpoints(folder, STORE).load()
    _same(progress, restored)


def test_a_write_cut_short_leaves_the_previous_checkpoint(tmp_path):
    folder = tmp_path / "state"
    writer = Checkpoints(folder, STORE)
    writer.load()
    progress = _progress(1, ["a"])
    writer.save(progress, {"a"})
    writer.close()
    (folder / ".checkpoint-000000002.npz.123.tmp").write_bytes(b"half a file")
    reader = Checkpoints(folder, STORE)
    _same(progress, reader.load())
    assert not list(folder.glob("*.tmp"))


def test_a_checkpoint_of_another_store_is_refused(tmp_path):
    writer = Checkpoints(tmp_path, STORE)
    writer.load()
    writer.save(_progress(1, ["a"]), {"a"})
    writer.close()
    with pytest.raises(DataError, match="follows store duckdb:///live.duckdb, not influxdb"):
        Checkpoints(tmp_path, "influxdb://127.0.0.1:8086/x").load()


def test_two_streams_cannot_share_a_state_folder(tmp_path):
    first = Checkpoints(tmp_path, STORE)
    first.load()
    with pytest.raises(DataError, match="another `anomalia stream` is using"):
        Checkpoints(tmp_path, STORE).load()
    first.close()


def test_a_damaged_checkpoint_is_named(tmp_path):
    (tmp_path / "checkpoint-000000001.npz").write_bytes(b"not a zip")
    with pytest.raises(DataError, match="checkpoint-000000001.npz: not a readable"):
        Checkpoints(tmp_path, STORE).load()
