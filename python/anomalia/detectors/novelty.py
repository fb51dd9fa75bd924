"""Value novelty: how far a point lies from every value its series has taken before.

A streaming detector in the spirit of the contextual-novelty detectors that
lead the NAB scoreboard (Lavin & Ahmad 2015): what matters is not how far a
point is from a fixed model of normal, but whether the series has *ever*
been there before. A spike, a drop or a level shift reaches values never
seen, so it scores high at its onset; once the series stays at the new level
those values are seen and the scores fall back, so a persistent change is one
alarm, not hundreds. The short trailing mean catches shifts too small for
single noisy points.

For each view of the series (the value itself for window 1, the trailing
mean of ``w`` points otherwise) the score of row ``t`` is the distance from
the view at ``t`` to the nearest view value at an earlier row (training rows
included), in units of the view's training range (maximum minus minimum).
The score is the largest over views and columns, then, with
``onset_window``, kept only where it is a new maximum
(:func:`anomalia.postprocess.keep_onsets`).

On NAB (fitted on each file's probationary rows) the defaults score 70.7 on
the standard profile; see ``docs/nab.md`` for how they were chosen.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Sequence

import numpy as np

from anomalia.detectors.base import BaseDetector
from anomalia.detectors.params import check_integer, check_number
from anomalia.exceptions import ConfigError
from anomalia.postprocess.onset import keep_onsets


def nearest_earlier_distance(
    values: np.ndarray, seen: Sequence[float] = (), memory: int | None = None
) -> np.ndarray:
    """Distance from each value to the nearest earlier one (or one of ``seen``).

    The first value, with nothing before it, gets 0. A sorted list of the
    values so far is kept and searched by bisection, O(n log n) comparisons
    and O(n) memory moves; the search is sequential by nature (each row
    extends the past of the next), hence the loop.

    Parameters
    ----------
    values : ndarray of shape (n,)
    seen : sequence of float
        Values before ``values[0]``, oldest first.
    memory : int or None
        Only the ``memory`` most recent values count as seen; None for all.

    Examples
    --------
    >>> nearest_earlier_distance(np.array([1.0, 3.0, 2.5, 10.0])).tolist()
    [0.0, 2.0, 0.5, 7.0]
    """
    history = list(seen)[-memory:] if memory is not None else list(seen)
    order = deque(history)  # oldest first, to forget in order
    past = sorted(history)
    out = np.zeros(len(values))
    for t, value in enumerate(values.tolist()):
        position = bisect.bisect_left(past, value)
        above = past[position] - value if position < len(past) else np.inf
        below = value - past[position - 1] if position > 0 else np.inf
        nearest = min(above, below)
        out[t] = nearest if np.isfinite(nearest) else 0.0
        past.insert(position, value)
        if memory is not None:
            order.append(value)
            if len(order) > memory:
                past.pop(bisect.bisect_left(past, order.popleft()))
    return out


def _nearest_and_insert(values: np.ndarray, past: list[float]) -> np.ndarray:
    """:func:`nearest_earlier_distance` against a sorted ``past``, which it extends in place."""
    out = np.zeros(len(values))
    for t, value in enumerate(values.tolist()):
        position = bisect.bisect_left(past, value)
        above = past[position] - value if position < len(past) else np.inf
        below = value - past[position - 1] if position > 0 else np.inf
        nearest = min(above, below)
        out[t] = nearest if np.isfinite(nearest) else 0.0
        past.insert(position, value)
    return out


def _trailing_mean(X: np.ndarray, window: int) -> np.ndarray:
    """Mean of rows ``t - window + 1 .. t`` (fewer at the start), each window summed on its own.

    Unlike pandas' running sums, a row's mean does not depend on where ``X``
    starts, so a stream scored in pieces gets exactly the batch's values.
    """
    padded = np.vstack([np.full((window - 1, X.shape[1]), np.nan), X])
    trailing = np.lib.stride_tricks.sliding_window_view(padded, window, axis=0)
    means = np.empty(X.shape)
    partial = min(window - 1, len(X))
    means[partial:] = trailing[partial:].mean(axis=2)
    means[:partial] = np.nanmean(trailing[:partial], axis=2)
    return means


class ValueNoveltyDetector(BaseDetector):
    """Distance to the nearest value seen before, in units of the training range.

    Parameters
    ----------
    windows : sequence of int, default (1,)
        Views of the series: 1 for the value itself, ``w > 1`` for the
        trailing mean of ``w`` points (catches shifts smaller than the noise).
    onset_window : int, float or None, default 0.5
        Keep a score only where it exceeds every score of the previous
        ``onset_window`` rows (:func:`anomalia.postprocess.keep_onsets`): an
        integer ``>= 1`` is a number of rows, a float in (0, 1] that share of
        the training rows; None keeps every score.
    memory : int or None, default None
        Only the ``memory`` most recent values count as seen, which bounds
        the state of a long stream; None remembers every value (8 bytes per
        row). On NAB, remembering everything scores higher.

    Attributes
    ----------
    spread_ : ndarray of shape (n_views, n_features)
        Training range of each view and column, floored to stay positive.
    onset_rows_ : int or None
        The onset window in rows.
    seen_ : list of list of ndarray
        Training view values of each view and column (the last ``memory``
        when bounded): the past that scoring starts from.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.sin(np.arange(600) / 10); x[400] += 3
    >>> int(np.argmax(ValueNoveltyDetector().fit(x[:300]).score(x)))
    400
    """

    name = "novelty"
    causal = True

    def __init__(
        self,
        *,
        windows: Sequence[int] = (1,),
        onset_window: int | float | None = 0.5,
        memory: int | None = None,
    ):
        self.windows = windows
        self.onset_window = onset_window
        self.memory = memory

    def _check_params(self) -> None:
        if isinstance(self.windows, (str, bytes)) or not len(self.windows):
            raise ConfigError(
                f"`windows` must hold at least one integer >= 1, got {self.windows!r}"
            )
        for window in self.windows:
            check_integer("windows", window, minimum=1)
        window = self.onset_window
        if isinstance(window, (float, np.floating)):
            check_number("onset_window", window, low=0.0, high=1.0, low_open=True)
        elif window is not None:
            check_integer("onset_window", window, minimum=1)
        if self.memory is not None:
            check_integer("memory", self.memory, minimum=1)

    def min_samples(self) -> int:
        self._check_params()
        return max(self.windows) + 1

    def warmup_rows(self) -> int:
        # Trailing means over fewer than `w` points are partial.
        return max(self.windows) - 1

    def _views(self, X: np.ndarray) -> list[np.ndarray]:
        """One (n_samples, n_features) array per window; row t uses rows up to t."""
        return [X if window == 1 else _trailing_mean(X, window) for window in self.windows]

    # ------------------------------------------------------------ streaming
    def stream_start(self) -> dict[str, np.ndarray] | None:
        """Incremental state for :mod:`anomalia.engine`: the sorted values seen so far.

        Every earlier value counts, so a trailing history would be the whole
        stream; instead the state keeps, per view and column, the sorted values
        seen (training included), the rows the trailing means still need and
        the raw scores the onset rule looks back on. With ``memory`` set the
        engine keeps the stream's history instead (None here).
        """
        self._check_fitted()
        if self.memory is not None:
            return None
        state = {
            "tail": np.empty((0, self.n_features_in_)),
            "raw": np.empty(0),
        }
        for k, columns in enumerate(self.seen_):
            for column, seen in enumerate(columns):
                state[f"seen.{k}.{column}"] = np.sort(seen)
        return state

    def stream_score(
        self, X: np.ndarray, state: dict[str, np.ndarray]
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Scores of the rows ``X`` after ``state``, and the next state (``state`` is kept)."""
        n = len(X)
        combined = np.vstack([state["tail"], X])
        views = [view[len(combined) - n :] for view in self._views(combined)]
        raw = np.zeros(n)
        new_state = {}
        for k, view in enumerate(views):
            for column in range(X.shape[1]):
                key = f"seen.{k}.{column}"
                past = state[key].tolist()
                distance = _nearest_and_insert(view[:, column], past)
                raw = np.maximum(raw, distance / self.spread_[k, column])
                new_state[key] = np.asarray(past)
        keep = max(self.windows) - 1
        new_state["tail"] = combined[len(combined) - min(keep, len(combined)) :]
        if self.onset_rows_ is None:
            new_state["raw"] = np.empty(0)
            return raw, new_state
        history = np.concatenate([state["raw"], raw])
        scores = keep_onsets(history, self.onset_rows_)[len(history) - n :]
        new_state["raw"] = history[len(history) - min(self.onset_rows_, len(history)) :]
        return scores, new_state

    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        self._check_params()
        views = self._views(X)
        spread = np.array([np.ptp(view, axis=0) for view in views])
        floor = 1e-9 * np.maximum(np.abs(X).max(axis=0), 1.0)
        self.spread_ = np.maximum(spread, floor)
        kept = len(X) if self.memory is None else self.memory
        self.seen_ = [
            [view[-kept:, column].copy() for column in range(X.shape[1])] for view in views
        ]
        window = self.onset_window
        if isinstance(window, (float, np.floating)):
            window = max(1, int(window * len(X)))
        self.onset_rows_ = window

    def _score(self, X: np.ndarray) -> np.ndarray:
        return self._novelty(X, self.seen_)

    def _calibration_scores(self, X: np.ndarray, y: np.ndarray | None) -> np.ndarray:
        # Scored against the fitted past, every training value is already seen
        # (score 0); scored against its own past only, it is out of sample.
        return self._novelty(X, None)

    def _novelty(self, X: np.ndarray, seen: list[list[np.ndarray]] | None) -> np.ndarray:
        scores = np.zeros(len(X))
        for k, view in enumerate(self._views(X)):
            for column in range(X.shape[1]):
                past = () if seen is None else seen[k][column]
                distance = nearest_earlier_distance(view[:, column], past, self.memory)
                scores = np.maximum(scores, distance / self.spread_[k, column])
        if self.onset_rows_ is not None:
            scores = keep_onsets(scores, self.onset_rows_)
        return scores
