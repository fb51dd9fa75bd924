"""Stream state: what scoring the next rows of a series needs, saved as data.

A snapshot is one ``.npz`` file (numpy's zip of ``.npy`` arrays) read with
``allow_pickle=False``: the arrays (trailing rows, threshold arrays, recent
answers) are ``.npy`` members and everything else is a JSON document in the
member ``meta``. It carries a format version and the fingerprint of the model
it belongs to; loading checks both.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from anomalia import __version__
from anomalia.exceptions import DataError, StreamingError

FORMAT = "anomalia-stream-state"
FORMAT_VERSION = 1
#: Answers kept per series, so that a re-sent timestamp is answered from the record.
RECENT_ANSWERS = 1000

_RECENT_FIELDS = {
    "timestamp": np.int64,
    "score": np.float64,
    "threshold": np.float64,
    "is_anomaly": np.bool_,
    "warming_up": np.bool_,
}


def _empty_recent() -> dict[str, np.ndarray]:
    return {name: np.empty(0, dtype=dtype) for name, dtype in _RECENT_FIELDS.items()}


@dataclass(frozen=True)
class StreamState:
    """Everything needed to score the next rows of one series with one model.

    Instances are never modified: :func:`anomalia.engine.advance` returns a new one.

    Attributes
    ----------
    fingerprint : str
        Fingerprint of the model the state belongs to.
    n_seen : int
        Rows scored so far.
    history : ndarray of shape (n_history, n_features)
        Trailing detector inputs (after the model's scaler) the next score needs.
    threshold : dict
        The threshold's running state (:meth:`BaseThreshold.initial_state`).
    last_timestamp : int or None
        Last timestamp scored, nanoseconds since the epoch (UTC).
    last_score : float or None
        Score of the last row.
    recent : dict of str to ndarray
        The last answers (``timestamp`` in ns, ``score``, ``threshold``,
        ``is_anomaly``, ``warming_up``), at most :data:`RECENT_ANSWERS`.
    detector : dict or None
        The detector's incremental state (:meth:`BaseDetector.stream_start`),
        for detectors that keep one instead of ``history``.
    fit_rows : ndarray of shape (n_rows, n_features) or None
        For a series the model set was not trained on: its first rows, from
        which its model is fitted (:mod:`anomalia.engine.fleet`). Kept so that
        the model is refitted, not unpickled, after a restart.
    """

    fingerprint: str
    n_seen: int
    history: np.ndarray
    threshold: dict[str, Any]
    last_timestamp: int | None = None
    last_score: float | None = None
    recent: dict[str, np.ndarray] = field(default_factory=_empty_recent)
    fit_rows: np.ndarray | None = None
    detector: dict[str, Any] | None = None

    def with_answers(self, answers: dict[str, np.ndarray]) -> StreamState:
        """A copy whose record ends with ``answers`` (same keys as ``recent``)."""
        recent = {
            name: np.concatenate([self.recent[name], answers[name].astype(dtype)])[-RECENT_ANSWERS:]
            for name, dtype in _RECENT_FIELDS.items()
        }
        return replace(self, recent=recent)

    def recorded(self, timestamps: np.ndarray) -> np.ndarray:
        """Position in ``recent`` of each timestamp (ns), -1 where it is not recorded."""
        known = self.recent["timestamp"]
        positions = np.searchsorted(known, timestamps)
        inside = positions < known.size
        found = np.zeros(timestamps.shape, dtype=bool)
        found[inside] = known[positions[inside]] == timestamps[inside]
        return np.where(found, positions, -1)

    def summary(self, warmup_rows: int) -> dict[str, Any]:
        """Points seen, whether still warming up, the last timestamp and score."""
        warming = self.n_seen < warmup_rows
        if self.recent["warming_up"].size:
            warming = bool(self.recent["warming_up"][-1])
        return {
            "points_seen": self.n_seen,
            "warming_up": warming,
            "warmup_points": warmup_rows,
            "last_timestamp": self.last_timestamp,
            "last_score": self.last_score,
        }


def _split_arrays(
    values: dict[str, Any], prefix: str, arrays: dict[str, np.ndarray]
) -> dict[str, Any]:
    """Move the arrays of ``values`` into ``arrays`` as ``prefix.key``; return the rest."""
    scalars = {}
    for key, value in values.items():
        if isinstance(value, np.ndarray):
            arrays[f"{prefix}.{key}"] = value
        else:
            scalars[key] = value
    return scalars


def state_arrays(state: StreamState) -> dict[str, np.ndarray]:
    """``state`` as named arrays (no object dtype): what :func:`save_state` writes.

    The member ``meta`` holds everything that is not an array as UTF-8 JSON.
    :func:`state_from_arrays` reads it back.
    """
    arrays: dict[str, np.ndarray] = {"history": np.asarray(state.history, dtype=np.float64)}
    threshold_scalars = _split_arrays(state.threshold, "threshold", arrays)
    for name, values in state.recent.items():
        arrays[f"recent.{name}"] = values
    detector_scalars = None
    if state.detector is not None:
        detector_scalars = _split_arrays(state.detector, "detector", arrays)
    if state.fit_rows is not None:
        arrays["fit_rows"] = np.asarray(state.fit_rows, dtype=np.float64)
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "anomalia_version": __version__,
        "fingerprint": state.fingerprint,
        "n_seen": state.n_seen,
        "last_timestamp": state.last_timestamp,
        "last_score": state.last_score,
        "threshold": threshold_scalars,
        "detector": detector_scalars,
    }
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    return arrays


def state_from_arrays(arrays: dict[str, np.ndarray], where: str) -> StreamState:
    """The state :func:`state_arrays` gave ``arrays`` for; ``where`` names the source in errors.

    Raises
    ------
    DataError
        If the arrays are not a stream state or have another format version.
    """
    arrays = dict(arrays)
    try:
        meta = json.loads(arrays.pop("meta").tobytes().decode())
    except (KeyError, ValueError, AttributeError) as error:
        raise DataError(f"{where}: not a readable stream state ({error})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise DataError(f"{where}: not an anomalia stream state")
    if meta.get("format_version") != FORMAT_VERSION:
        raise DataError(
            f"{where}: stream state format version {meta.get('format_version')!r}, this "
            f"anomalia ({__version__}) reads version {FORMAT_VERSION}; start the stream again"
        )
    threshold = dict(meta["threshold"])
    detector = None if meta.get("detector") is None else dict(meta["detector"])
    recent = _empty_recent()
    for name in list(arrays):
        if name.startswith("detector.") and detector is not None:
            detector[name.removeprefix("detector.")] = arrays.pop(name)
        elif name.startswith("threshold."):
            threshold[name.removeprefix("threshold.")] = arrays.pop(name)
        elif name.startswith("recent."):
            recent[name.removeprefix("recent.")] = arrays.pop(name)
    return StreamState(
        fingerprint=meta["fingerprint"],
        n_seen=int(meta["n_seen"]),
        history=arrays["history"],
        threshold=threshold,
        last_timestamp=meta["last_timestamp"],
        last_score=meta["last_score"],
        recent=recent,
        fit_rows=arrays.get("fit_rows"),
        detector=detector,
    )


def save_state(state: StreamState, path: str | Path, *, durable: bool = True) -> Path:
    """Write ``state`` to ``path`` (``.npz``) atomically.

    The file is written beside ``path`` and renamed over it, so a crash at
    any moment leaves either the old state or the new one. With ``durable``
    the file is also flushed to the disk (``fsync``) before the rename, so a
    power cut cannot lose it either; a killed process (``kill -9``) loses
    nothing even without, since the operating system still holds the write.
    """
    path = Path(path)
    arrays = state_arrays(state)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()  # zip in memory: one write to disk instead of dozens
    np.savez(buffer, **arrays)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(buffer.getbuffer())
            file.flush()
            if durable:
                os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def load_state(path: str | Path, fingerprint: str | None = None) -> StreamState:
    """Read a state written by :func:`save_state`; nothing in the file is executed.

    Parameters
    ----------
    path : str or Path
    fingerprint : str, optional
        Fingerprint of the model about to use the state; a different one is an error.

    Raises
    ------
    DataError
        If the file is not a stream state or has another format version.
    StreamingError
        If the state belongs to another model.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (OSError, ValueError) as error:
        raise DataError(f"{path}: not a readable stream state ({error})") from None
    state = state_from_arrays(arrays, str(path))
    if fingerprint is not None and state.fingerprint != fingerprint:
        raise StreamingError(
            f"{path}: the stream state belongs to model fingerprint {state.fingerprint}, "
            f"not to the model in use ({fingerprint}); the model was retrained or replaced, "
            "so start the stream again"
        )
    return state
