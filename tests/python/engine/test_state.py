"""Stream state snapshots: data only, versioned, tied to their model."""

from __future__ import annotations

import json
import pickle
import zipfile

import numpy as np
import pytest

from anomalia.engine import advance, load_state, save_state, start
from anomalia.exceptions import DataError, StreamingError

from .conftest import THRESHOLDS, fitted_detector, stream_model


@pytest.fixture(scope="module")
def model():
    rng = np.random.default_rng(3)
    train = np.sin(np.arange(600) / 8) + 0.2 * rng.normal(size=600)
    detector = fitted_detector("novelty", train, np.zeros(600, dtype=np.int8))
    return stream_model(detector, train, THRESHOLDS["budget"]), rng


def test_a_snapshot_restores_the_state_and_the_stream_goes_on_identically(model, tmp_path):
    member, rng = model
    values = np.sin(np.arange(300) / 8) + 0.2 * rng.normal(size=300)
    stamps = np.arange(300, dtype=np.int64) * 300_000_000_000
    _, state = advance(member, start(member), values[:150], stamps[:150])
    restored = load_state(save_state(state, tmp_path / "s.npz"), member.fingerprint)
    expected, after = advance(member, state, values[150:], stamps[150:])
    got, after_restore = advance(member, restored, values[150:], stamps[150:])
    np.testing.assert_array_equal(got.score, expected.score)
    np.testing.assert_array_equal(got.threshold, expected.threshold)
    assert after_restore.n_seen == after.n_seen == 300
    assert restored.last_timestamp == int(stamps[149])
    assert (restored.recorded(stamps[140:160]) >= 0).tolist() == [True] * 10 + [False] * 10


def test_another_models_state_or_format_is_refused_with_a_clear_error(model, tmp_path):
    member, _ = model
    path = save_state(start(member), tmp_path / "s.npz")
    with pytest.raises(StreamingError, match="belongs to model fingerprint .* start the stream"):
        load_state(path, "0123456789abcdef")
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    meta = json.loads(np.load(path)["meta"].tobytes())
    meta["format_version"] = 99
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            if name != "meta.npy":
                archive.writestr(name, data)
    np.savez(tmp_path / "meta.npz", meta=np.frombuffer(json.dumps(meta).encode(), np.uint8))
    with zipfile.ZipFile(tmp_path / "meta.npz") as source, zipfile.ZipFile(path, "a") as target:
        target.writestr("meta.npy", source.read("meta.npy"))
    with pytest.raises(DataError, match="format version 99"):
        load_state(path)


class _Payload:
    def __reduce__(self):
        import pathlib

        return (pathlib.Path.touch, (pathlib.Path(self.marker),))


def test_a_pickle_handed_in_as_a_state_is_refused_and_runs_nothing(tmp_path):
    payload = _Payload()
    payload.marker = str(tmp_path / "ran")
    (tmp_path / "evil.npz").write_bytes(pickle.dumps(payload))
    with pytest.raises(DataError, match="not a readable stream state"):
        load_state(tmp_path / "evil.npz")
    assert not (tmp_path / "ran").exists()
