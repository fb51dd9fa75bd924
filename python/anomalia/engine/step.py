"""One engine step: (model, state, new rows) -> (answers for exactly those rows, new state)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np
import pandas as pd

from anomalia.detectors.base import BaseDetector
from anomalia.engine.state import StreamState
from anomalia.exceptions import DataError, StreamingError
from anomalia.thresholds.base import BaseThreshold

WARMING_UP = "warming_up"
OK = "ok"


class StreamModel(Protocol):
    """What the engine needs of a model: a fitted detector and threshold, maybe a scaler."""

    detector: BaseDetector
    threshold: BaseThreshold
    scaler: Any | None

    @property
    def fingerprint(self) -> str: ...


@dataclass(frozen=True)
class Answers:
    """Scores, thresholds, flags and status of the rows of one step.

    Attributes
    ----------
    score, threshold : ndarray of float64, shape (n,)
        On warming-up rows ``threshold`` is the one in force when they arrive.
    is_anomaly : ndarray of bool, shape (n,)
    warming_up : ndarray of bool, shape (n,)
        True on rows scored before the detector had the history it needs.
    """

    score: np.ndarray
    threshold: np.ndarray
    is_anomaly: np.ndarray
    warming_up: np.ndarray

    @property
    def status(self) -> np.ndarray:
        """``"warming_up"`` or ``"ok"`` per row."""
        return np.where(self.warming_up, WARMING_UP, OK)


def check_streamable(model: StreamModel) -> None:
    """Raise :class:`StreamingError` unless ``model`` can score a series in pieces.

    Any model can score a series whole (one :func:`advance` from :func:`start`);
    scoring it in pieces needs a causal detector and a threshold that can
    continue a stream.
    """
    model.detector.stream_history()
    if not model.threshold.chunkable:
        raise StreamingError(
            f"threshold `{model.threshold.name}` judges each batch of scores on its own, so "
            "it cannot continue a stream; use quantile, pot, spot or budget"
        )


def start(model: StreamModel) -> StreamState:
    """The state of a series nothing has been scored of yet."""
    return StreamState(
        fingerprint=model.fingerprint,
        n_seen=0,
        history=np.empty((0, model.detector.n_features_in_)),
        threshold=model.threshold.initial_state(),
        detector=model.detector.stream_start(),
    )


def advance(
    model: StreamModel,
    state: StreamState,
    values: np.ndarray,
    timestamps: np.ndarray | None = None,
) -> tuple[Answers, StreamState]:
    """Score the rows after those ``state`` has seen; return their answers and the new state.

    ``state`` is not modified: scoring the same rows twice from the same
    state gives the same answers.

    Parameters
    ----------
    model : StreamModel
        The model ``state`` belongs to (checked by fingerprint).
    state : StreamState
        From :func:`start` or an earlier ``advance``.
    values : ndarray of shape (n,) or (n, n_features)
        New rows in time order, finite.
    timestamps : ndarray of int64, shape (n,), optional
        Their timestamps in ns since the epoch; strictly increasing and later
        than the state's last timestamp. Given, the answers are recorded in the
        state (see :meth:`StreamState.recorded`).

    Returns
    -------
    answers : Answers
    new_state : StreamState

    Raises
    ------
    StreamingError
        If the state belongs to another model, timestamps go back, or the
        threshold cannot continue a stream.
    DataError
        If the values are not finite or have the wrong number of columns.
    """
    detector, threshold = model.detector, model.threshold
    if state.fingerprint != model.fingerprint:
        raise StreamingError(
            f"the stream state belongs to model fingerprint {state.fingerprint}, not to "
            f"this model ({model.fingerprint}); start the stream again"
        )
    if state.n_seen:
        check_streamable(model)
    rows = np.asarray(values, dtype=np.float64)
    if rows.ndim == 1:
        rows = rows.reshape(-1, 1)
    if rows.ndim != 2 or rows.shape[1] != detector.n_features_in_:
        raise DataError(
            f"expected rows of {detector.n_features_in_} value column(s) as in fit, "
            f"got shape {rows.shape}"
        )
    if not np.isfinite(rows).all():
        row, column = np.argwhere(~np.isfinite(rows))[0]
        raise DataError(f"row {row + 1}, column {column + 1}: expected a finite value")
    if timestamps is not None:
        _check_order(state, np.asarray(timestamps, dtype=np.int64))
    if model.scaler is not None:
        rows = model.scaler.transform(rows)
    n = len(rows)
    detector_state = state.detector
    history = state.history
    if detector_state is not None:
        scores, detector_state = detector.stream_score(rows, detector_state)
    else:
        # A detector that is not causal can still score a series whole, from a fresh state.
        kept = detector.stream_history() if detector.causal else None
        combined = np.vstack([history, rows]) if len(history) else rows
        scores = detector.score(combined)[len(combined) - n :] if n else np.empty(0)
        history = (
            combined if kept is None else combined[len(combined) - min(kept, n + len(history)) :]
        )
    warming = state.n_seen + np.arange(n) < detector.warmup_rows()
    ready = int(n - warming.sum())  # warming-up rows come first
    # Warming-up rows are shown with the threshold in force when they arrive, never flagged.
    limits = np.full(n, threshold.level(state.threshold) if ready < n else np.nan)
    limits[n - ready :], threshold_state = threshold.advance(scores[n - ready :], state.threshold)
    flags = (scores > limits) & ~warming
    answers = Answers(score=scores, threshold=limits, is_anomaly=flags, warming_up=warming)
    new_state = replace(
        state,
        n_seen=state.n_seen + n,
        history=history,
        detector=detector_state,
        threshold=threshold_state,
        last_score=float(scores[-1]) if n else state.last_score,
    )
    if timestamps is not None and n:
        new_state = replace(new_state, last_timestamp=int(timestamps[-1])).with_answers(
            {
                "timestamp": np.asarray(timestamps, dtype=np.int64),
                "score": scores,
                "threshold": limits,
                "is_anomaly": flags,
                "warming_up": warming,
            }
        )
    return answers, new_state


def _check_order(state: StreamState, timestamps: np.ndarray) -> None:
    if timestamps.size > 1 and not (np.diff(timestamps) > 0).all():
        raise StreamingError("timestamps must be strictly increasing within an update")
    if timestamps.size and state.last_timestamp is not None:
        if timestamps[0] <= state.last_timestamp:
            raise StreamingError(
                f"timestamp {_iso(timestamps[0])} is not after the last one scored, "
                f"{_iso(state.last_timestamp)}"
            )


def utc_nanoseconds(timestamps: pd.Series) -> np.ndarray:
    """Timestamps as int64 ns since the epoch, UTC (tz-naive taken as UTC), as states hold them."""
    values = pd.to_datetime(timestamps)
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    return values.to_numpy("datetime64[ns]").astype(np.int64)


def _iso(nanoseconds: int) -> str:
    return str(np.datetime64(int(nanoseconds), "ns")) + "Z"
