"""Server-side stream states: one file per (model, series), saved after every update.

Each state is an ``.npz`` snapshot (:func:`anomalia.engine.save_state`),
written to a temporary file, flushed to disk and renamed over the old one,
so a crash (``kill -9`` included) leaves the state before or after an update,
never half of one. Updates of one series are serialised by a lock of their
own; different series proceed in parallel.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from anomalia.engine import StreamState, load_state, save_state


class StreamStore:
    """States of the streams the service is following, on disk under ``root``.

    Parameters
    ----------
    root : Path
        Folder of the states, ``<root>/<model>/<hash of series id>.npz``.
    durable : bool, default True
        Flush every state to disk before the update returns (see :func:`save_state`).
    """

    def __init__(self, root: Path, *, durable: bool = True):
        self.root = Path(root)
        self.durable = durable
        self._guard = threading.Lock()
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._cache: dict[tuple[str, str], StreamState] = {}

    def path(self, model: str, series_id: str) -> Path:
        """File of a stream's state (series ids may hold any character, so they are hashed)."""
        name = hashlib.sha256(series_id.encode()).hexdigest()[:32]
        return self.root / model / f"{name}.npz"

    @contextmanager
    def series(self, model: str, series_id: str) -> Iterator[None]:
        """Hold the lock of one stream while reading and updating its state."""
        key = (model, series_id)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            yield

    def load(self, model: str, series_id: str, fingerprint: str | None) -> StreamState | None:
        """The stream's state (None if the stream is new); hold :meth:`series` around it.

        ``fingerprint`` is the model's the state must belong to; None leaves the
        check to the engine (a new series' model is known only from its state).
        """
        key = (model, series_id)
        state = self._cache.get(key)
        if state is None:
            path = self.path(model, series_id)
            if not path.is_file():
                return None
            state = load_state(path, fingerprint)
            self._cache[key] = state
        elif fingerprint is not None and state.fingerprint != fingerprint:
            # Raises the clear mismatch error.
            load_state(self.path(model, series_id), fingerprint)
        return state

    def save(self, model: str, series_id: str, state: StreamState) -> None:
        """Write the state durably, then keep it for the next update."""
        save_state(state, self.path(model, series_id), durable=self.durable)
        self._cache[(model, series_id)] = state

    def delete(self, model: str, series_id: str) -> bool:
        """Forget a stream; False if there was none."""
        self._cache.pop((model, series_id), None)
        path = self.path(model, series_id)
        if not path.is_file():
            return False
        path.unlink()
        return True
