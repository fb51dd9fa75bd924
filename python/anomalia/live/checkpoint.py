"""Checkpoints of ``anomalia stream``: one file per cycle for every series it changed.

A checkpoint folder holds numbered files ``checkpoint-000000042.npz``. Each is
written to a temporary sibling, flushed to disk and renamed (rename is
atomic), so a process killed at any moment leaves whole files only. A file is
either *full* (every engine state, the store cursor, the alert memory) or a
*delta* (only the series that cycle changed); loading reads the newest full
file and applies the deltas after it in order. Every ``compact_every`` deltas
a full file is written and the older files are removed, so the folder stays
small however long the stream runs.

A file is an ``.npz`` of two members read with ``allow_pickle=False``:
``meta`` (UTF-8 JSON: format version, store, cursor, flags, pending alerts and
an index of the arrays) and ``blob`` (the engine states' arrays, back to
back). One blob instead of an ``.npz`` member per array keeps a checkpoint of
1,000 series to one write of a few milliseconds.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import re
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from anomalia import __version__
from anomalia.atomic import fsync_path
from anomalia.engine.state import StreamState, _empty_recent, state_arrays, state_from_arrays
from anomalia.exceptions import DataError

FORMAT = "anomalia-stream-checkpoint"
FORMAT_VERSION = 1
_NAME = re.compile(r"^checkpoint-(\d{9})\.npz$")

#: (detector, series_id): the key of an engine state.
Key = tuple[str, str]


@dataclass
class Progress:
    """All a restarted stream needs, as of the end of one cycle.

    Attributes
    ----------
    states : dict of (detector, series_id) to StreamState
    cursor : dict of str to int
        Per series, the last observation timestamp read (ns since the epoch, UTC).
    flagged : dict of (detector, series_id) to bool
        Whether the last point scored was flagged (an alert is the onset of a run).
    pending : list of dict
        Alerts not yet delivered to the webhook, retried next cycle.
    cycle : int
        Cycles completed.
    """

    states: dict[Key, StreamState] = field(default_factory=dict)
    cursor: dict[str, int] = field(default_factory=dict)
    flagged: dict[Key, bool] = field(default_factory=dict)
    pending: list[dict[str, Any]] = field(default_factory=list)
    cycle: int = 0


class Checkpoints:
    """The checkpoint folder of one stream.

    Parameters
    ----------
    folder : Path
    store_url : str
        The store the stream reads; a folder written for another store is refused.
    compact_every : int, default 100
        Deltas between two full checkpoints.
    durable : bool, default True
        ``fsync`` each file and the folder before the cycle counts as done.
    """

    def __init__(
        self, folder: str | Path, store_url: str, *, compact_every: int = 100, durable: bool = True
    ):
        self.folder = Path(folder)
        self.store_url = store_url
        self.compact_every = compact_every
        self.durable = durable
        self._deltas = 0
        self._sequence = 0
        self._lock_file: Any = None

    def _lock(self) -> None:
        """Hold the folder for this process: two streams on one checkpoint would interleave."""
        if self._lock_file is not None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        handle = open(self.folder / ".lock", "a+")  # noqa: SIM115 - held until the process ends
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise DataError(
                f"{self.folder}: another `anomalia stream` is using this --state folder"
            ) from None
        self._lock_file = handle

    def close(self) -> None:
        """Let another process use the folder."""
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    def _files(self) -> list[tuple[int, Path]]:
        if not self.folder.is_dir():
            return []
        found = []
        for path in self.folder.iterdir():
            match = _NAME.match(path.name)
            if match:
                found.append((int(match.group(1)), path))
        return sorted(found)

    def load(self) -> Progress:
        """The progress of the last completed cycle (empty for a new folder).

        Raises
        ------
        DataError
            If a file is not a checkpoint, has another format version, or
            belongs to another store.
        """
        self._lock()
        for leftover in self.folder.glob(".checkpoint-*.tmp"):
            leftover.unlink(missing_ok=True)  # a write cut short; the files before it are whole
        files = self._files()
        progress = Progress()
        if not files:
            return progress
        # Newest first until a full checkpoint: it and the deltas after it are the progress.
        read = []
        for sequence, path in reversed(files):
            read.append((sequence, path, *self._read(path)))
            if read[-1][2].get("full"):
                break
        for _sequence, _path, meta, states in reversed(read):
            progress.states.update(states)
            progress.cursor.update({key: int(value) for key, value in meta["cursor"].items()})
            progress.flagged.update({(d, s): bool(f) for d, s, f in meta["flagged"]})
            progress.pending = list(meta["pending"])
            progress.cycle = int(meta["cycle"])
        self._sequence = files[-1][0]
        self._deltas = len(read) - 1
        return progress

    def save(self, progress: Progress, changed: set[str]) -> Path:
        """Write the cycle's checkpoint: the states of series in ``changed``, or all of them."""
        self._sequence += 1
        full = self._deltas >= self.compact_every or self._sequence == 1
        if full:
            keys = list(progress.states)
            series = set(progress.cursor)
        else:
            keys = [key for key in progress.states if key[1] in changed]
            series = changed
        meta = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "anomalia_version": __version__,
            "store": self.store_url,
            "full": full,
            "cycle": progress.cycle,
            "cursor": {s: progress.cursor[s] for s in series if s in progress.cursor},
            "flagged": [[d, s, f] for (d, s), f in progress.flagged.items() if s in series],
            "pending": progress.pending,
        }
        path = self._write(meta, {key: progress.states[key] for key in keys})
        if full:
            for sequence, older in self._files():
                if sequence < self._sequence:
                    older.unlink(missing_ok=True)
            self._deltas = 0
        else:
            self._deltas += 1
        return path

    def _write(self, meta: dict[str, Any], states: dict[Key, StreamState]) -> Path:
        index, chunks, offset = [], [], 0
        for (detector, series_id), state in states.items():
            entry = {"detector": detector, "series_id": series_id, "arrays": []}
            for name, array in state_arrays(_without_record(state)).items():
                array = np.ascontiguousarray(array)
                entry["arrays"].append([name, array.dtype.str, list(array.shape), offset])
                chunks.append(array.tobytes())
                offset += array.nbytes
            index.append(entry)
        meta = {**meta, "states": index}
        buffer = io.BytesIO()
        np.savez(
            buffer,
            meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
            blob=np.frombuffer(b"".join(chunks), dtype=np.uint8),
        )
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"checkpoint-{self._sequence:09d}.npz"
        handle, temporary = tempfile.mkstemp(
            dir=self.folder, prefix=f".{path.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(buffer.getbuffer())
                file.flush()
                if self.durable:
                    os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        if self.durable:
            fsync_path(self.folder)
        return path

    def _read(self, path: Path) -> tuple[dict[str, Any], dict[Key, StreamState]]:
        meta, blob = _members(path)
        if meta.get("format_version") != FORMAT_VERSION:
            raise DataError(
                f"{path}: checkpoint format version {meta.get('format_version')!r}, this "
                f"anomalia ({__version__}) reads version {FORMAT_VERSION}; remove the folder "
                "to start the stream again"
            )
        if meta.get("store") != self.store_url:
            raise DataError(
                f"{path}: this checkpoint follows store {meta.get('store')}, not "
                f"{self.store_url}; give each store its own --state folder"
            )
        states = {}
        for entry in meta["states"]:
            arrays = {}
            for name, dtype, shape, offset in entry["arrays"]:
                kind = np.dtype(dtype)
                if kind.hasobject:
                    raise DataError(f"{path}: array `{name}` holds objects; refusing to read it")
                count = int(np.prod(shape, dtype=np.int64))
                flat = np.frombuffer(blob, dtype=kind, count=count, offset=offset)
                arrays[name] = flat.reshape(shape).copy()
            where = f"{path}, state of `{entry['series_id']}` ({entry['detector']})"
            states[(entry["detector"], entry["series_id"])] = state_from_arrays(arrays, where)
        return meta, states


def _members(path: Path) -> tuple[dict[str, Any], bytes]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            meta = json.loads(archive["meta"].tobytes().decode())
            blob = archive["blob"].tobytes()
    except (OSError, ValueError, KeyError) as error:
        raise DataError(f"{path}: not a readable stream checkpoint ({error})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise DataError(f"{path}: not an anomalia stream checkpoint")
    return meta, blob


def _without_record(state: StreamState) -> StreamState:
    """The stream reads each point once, so the record of recent answers is not kept."""
    return replace(state, recent=_empty_recent())
