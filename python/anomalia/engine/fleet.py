"""Series a model set was never trained on: a fleet model, or a model fitted on arrival.

A model set chooses one way (``new_series`` of :class:`~anomalia.modelset.ModelSet`):

- ``{"method": "fleet", "points": N}``: the detector was fitted once on all
  training series pooled, each robust-scaled by its own median and spread.
  An unseen series is scaled by the median and spread of its first ``N``
  points and then scored by that one detector, with a threshold fitted on the
  pooled calibration scores. Cheap, and scores from point ``N`` on.
- ``{"method": "auto_fit", "points": N}``: an unseen series gets a detector
  of its own, fitted on its first ``N`` points (as ``anomalia train`` would,
  threshold included). Costs one fit per new series; learns that series'
  own shape (its season, its noise), which a fleet model cannot.

Either way the first ``N`` points of an unseen series are answered with
status ``warming_up`` (score 0, infinite threshold: nothing can be flagged
yet). The state keeps those points (``fit_rows``), so after a restart the
series' model is fitted again from them rather than read from a file.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from anomalia.engine.state import StreamState
from anomalia.engine.step import Answers, advance, start
from anomalia.exceptions import StreamingError

if TYPE_CHECKING:
    from anomalia.modelset import ModelSet


def advance_series(
    model_set: ModelSet,
    series_id: str,
    state: StreamState | None,
    values: np.ndarray,
    timestamps: np.ndarray | None = None,
) -> tuple[Answers, StreamState]:
    """:func:`~anomalia.engine.advance` for any series of ``model_set``, trained on or not.

    Parameters
    ----------
    state : StreamState or None
        None for a series nothing has been scored of yet.

    Raises
    ------
    DataError
        If the series is unseen and the model set has no ``new_series`` way.
    StreamingError
        If ``state`` belongs to another model.
    """
    rows = np.asarray(values, dtype=np.float64)
    if rows.ndim == 1:
        rows = rows.reshape(-1, 1)
    member = model_set.members_.get(series_id)
    if member is not None:
        return advance(member, start(member) if state is None else state, rows, timestamps)
    points = model_set.new_series_points(series_id)
    template = model_set.new_series_fingerprint()
    if state is None:
        empty = np.empty((0, rows.shape[1]))
        state = StreamState(template, 0, empty, {}, fit_rows=empty)
    if state.fit_rows is None:
        raise StreamingError(f"series `{series_id}`: the stream state is not one of a new series")
    parts = []
    pending = points - len(state.fit_rows)
    if pending > 0:
        if state.fingerprint != template:
            raise StreamingError(
                f"the stream state of series `{series_id}` belongs to model fingerprint "
                f"{state.fingerprint}, not to this model ({template}); start the stream again"
            )
        take = min(pending, len(rows))
        waiting = Answers(
            score=np.zeros(take),
            threshold=np.full(take, np.inf),
            is_anomaly=np.zeros(take, dtype=bool),
            warming_up=np.ones(take, dtype=bool),
        )
        parts.append(waiting)
        state = replace(
            state,
            n_seen=state.n_seen + take,
            fit_rows=np.vstack([state.fit_rows, rows[:take]]),
            last_score=0.0 if take else state.last_score,
        )
        if timestamps is not None and take:
            state = replace(state, last_timestamp=int(timestamps[take - 1])).with_answers(
                {
                    "timestamp": np.asarray(timestamps[:take], dtype=np.int64),
                    "score": waiting.score,
                    "threshold": waiting.threshold,
                    "is_anomaly": waiting.is_anomaly,
                    "warming_up": waiting.warming_up,
                }
            )
        rows = rows[take:]
        timestamps = None if timestamps is None else timestamps[take:]
        if len(state.fit_rows) == points:
            member = model_set.new_series_member(series_id, state.fit_rows)
            state = _fitted(member, state)
    if len(rows):
        member = model_set.new_series_member(series_id, state.fit_rows)
        answers, state = advance(member, state, rows, timestamps)
        parts.append(answers)
    if not parts:
        return Answers(np.empty(0), np.empty(0), np.empty(0, bool), np.empty(0, bool)), state
    return _concat(parts), state


#: Status of a row with a missing value: answered, never scored.
MISSING = "missing"
#: Columns of the scores a stream writes: the identifiers and :func:`advance_rows`' answers.
SCORE_COLUMNS = ["series_id", "timestamp", "detector", "score", "threshold", "is_anomaly", "status"]


def advance_rows(
    model_set: ModelSet,
    series_id: str,
    state: StreamState | None,
    values: np.ndarray,
    timestamps: np.ndarray,
) -> tuple[dict[str, np.ndarray], StreamState | None]:
    """:func:`advance_series` for rows that may hold missing values: an answer for every row.

    Rows with a missing value get status :data:`MISSING` (score and threshold
    NaN, not flagged) and leave the state as it is; the others are advanced.

    Returns
    -------
    answers : dict of str to ndarray
        ``score``, ``threshold``, ``is_anomaly`` and ``status``, one entry per row.
    state : StreamState or None
        The new state (``state`` itself when no row had all its values).

    Raises
    ------
    DataError, StreamingError
        As :func:`advance_series`.
    """
    n = len(values)
    finite = np.isfinite(values).all(axis=1)
    score, threshold = np.full(n, np.nan), np.full(n, np.nan)
    flags, status = np.zeros(n, dtype=bool), np.full(n, MISSING, dtype=object)
    if finite.any():
        answers, state = advance_series(
            model_set, series_id, state, values[finite], timestamps[finite]
        )
        score[finite], threshold[finite] = answers.score, answers.threshold
        flags[finite], status[finite] = answers.is_anomaly, answers.status
    return {"score": score, "threshold": threshold, "is_anomaly": flags, "status": status}, state


def check_new_series_streamable(model_set: ModelSet) -> None:
    """Raise :class:`StreamingError` unless unseen series of ``model_set`` can stream."""
    from anomalia.detectors.registry import make_detector
    from anomalia.thresholds import make_threshold

    detector = make_detector(model_set.detector, **model_set.params)
    if not detector.causal:
        raise StreamingError(
            f"detector `{detector.name}` is not causal (its score at a point depends on later "
            "points), so it cannot score a stream"
        )
    threshold = make_threshold(model_set.threshold)
    if not threshold.chunkable:
        raise StreamingError(
            f"threshold `{threshold.name}` judges each batch of scores on its own, so it "
            "cannot continue a stream; use quantile, pot, spot or budget"
        )


def _fitted(member, state: StreamState) -> StreamState:
    """The state after the fit rows, for the model just fitted on them."""
    history = state.fit_rows
    if member.scaler is not None:
        history = member.scaler.transform(history)
    kept = member.detector.stream_history()
    if kept is not None:
        history = history[len(history) - min(kept, len(history)) :]
    return replace(
        state,
        fingerprint=member.fingerprint,
        history=history,
        threshold=member.threshold.initial_state(),
        detector=member.detector.stream_start(),
    )


def _concat(parts: list[Answers]) -> Answers:
    if len(parts) == 1:
        return parts[0]
    return Answers(
        *(
            np.concatenate([getattr(part, name) for part in parts])
            for name in ("score", "threshold", "is_anomaly", "warming_up")
        )
    )
