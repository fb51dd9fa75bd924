"""The NAB raw score at every candidate threshold in one pass.

For a fixed threshold the corpus's raw score is a sum of per-point terms:

* a point outside every window (and past the probationary period) costs
  ``fp_weight * c`` when detected, with ``c`` fixed by its position;
* a window is worth ``tp_weight * sigma(y_j) / sigma(-1)`` where ``j`` is its
  first detection, or ``-fn_weight`` without one. Lowering the threshold moves the
  first detection only to a *record* point (one scoring above every earlier
  point of the window), so the window's value is ``-fn_weight`` plus
  increments carried by its records.

Each point therefore carries coefficients ``tp``, ``found`` and ``fp`` such
that ``raw(t) = -fn_weight * n_windows + sum over points with score >= t of
(tp_weight * tp + fn_weight * found + fp_weight * fp)``, counting only windows
with a point past the probationary period, where ``found`` is 1
on each window's highest-scoring point (its detection makes the window found).
Sorting all points by score once and taking cumulative sums gives the raw
score of every threshold and every profile at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def scaled_sigmoid(position: np.ndarray) -> np.ndarray:
    """NAB's scaled sigmoid ``2 / (1 + exp(5 y)) - 1``, ``-1`` for ``y >= 3``."""
    position = np.asarray(position, dtype=np.float64)
    value = 2.0 / (1.0 + np.exp(5.0 * np.minimum(position, 3.0))) - 1.0
    return np.where(position >= 3.0, -1.0, value)


#: Reward of a detection at a window's first point; NAB divides rewards by it so
#: that the earliest detection earns exactly ``tp_weight``.
MAX_REWARD = float(scaled_sigmoid(-1.0))


@dataclass(frozen=True)
class SeriesTerms:
    """Per-point score coefficients of one series (only points that matter).

    Attributes
    ----------
    scores : numpy.ndarray, shape (m,)
    tp, fp : numpy.ndarray, shape (m,)
        Coefficients of the tp and fp weights when the point is detected.
    found : numpy.ndarray of int64, shape (m,)
        1 on the point whose detection makes its window found (its last record).
    false_alarm : numpy.ndarray of int64, shape (m,)
        1 on points outside every window.
    n_windows : int
    n_unreachable : int
        Windows lying wholly inside the probationary period.
    """

    scores: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    found: np.ndarray
    false_alarm: np.ndarray
    n_windows: int
    n_unreachable: int


def series_terms(scores: np.ndarray, windows: np.ndarray, probation: int) -> SeriesTerms:
    """Coefficients of one clean series; ``windows`` sorted, inclusive, disjoint."""
    n = len(scores)
    starts, ends = windows[:, 0], windows[:, 1]
    lengths = ends - starts + 1

    marks = np.zeros(n + 1, dtype=np.int64)
    np.add.at(marks, starts, 1)
    np.add.at(marks, ends + 1, -1)
    outside = np.cumsum(marks[:-1]) == 0
    outside[:probation] = False
    alarm_index = np.flatnonzero(outside)
    # Cost factor of a false alarm: sigma of its distance after the nearest
    # earlier window, in (window length - 1) steps as NAB measures it; -1 when
    # no window precedes it.
    alarm_cost = np.full(len(alarm_index), -1.0)
    preceding = np.searchsorted(ends, alarm_index, side="left") - 1
    has_preceding = preceding >= 0
    window = preceding[has_preceding]
    after = (alarm_index[has_preceding] - ends[window]) / np.maximum(lengths[window] - 1, 1)
    alarm_cost[has_preceding] = scaled_sigmoid(after)

    no_alarms = np.zeros(len(alarm_index))
    parts = [(alarm_index, no_alarms, np.zeros(len(alarm_index), dtype=np.int64), alarm_cost)]
    unreachable = 0
    for start, end, length in zip(starts, ends, lengths, strict=True):
        first = max(start, probation)
        if first > end:
            unreachable += 1
            continue
        segment = scores[first : end + 1]
        earlier_max = np.concatenate(([-np.inf], np.maximum.accumulate(segment)[:-1]))
        records = first + np.flatnonzero(segment > earlier_max)
        reward = scaled_sigmoid(-(end - records + 1) / length) / MAX_REWARD
        tp = np.append(reward[:-1] - reward[1:], reward[-1])
        found = np.zeros(len(records), dtype=np.int64)
        found[-1] = 1
        parts.append((records, tp, found, np.zeros(len(records))))

    index = np.concatenate([part[0] for part in parts]).astype(np.int64)
    return SeriesTerms(
        scores=scores[index],
        tp=np.concatenate([part[1] for part in parts]),
        fp=np.concatenate([part[3] for part in parts]),
        found=np.concatenate([part[2] for part in parts]),
        false_alarm=outside[index].astype(np.int64),
        n_windows=len(starts),
        n_unreachable=unreachable,
    )


@dataclass(frozen=True)
class Sweep:
    """Cumulative coefficients at each candidate threshold, highest first.

    ``thresholds[0]`` is ``inf`` (never detect); entry ``k`` sums the
    coefficients of all points scoring ``>= thresholds[k]``.
    """

    thresholds: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    found: np.ndarray
    false_alarms: np.ndarray


def sweep(terms: list[SeriesTerms]) -> Sweep:
    """Cumulate the corpus's coefficients over its distinct score values."""
    scores = np.concatenate([t.scores for t in terms])
    order = np.argsort(-scores, kind="stable")
    ordered = scores[order]
    # Last position of each run of equal scores: all points >= that score.
    last = np.flatnonzero(np.append(ordered[1:] != ordered[:-1], True))

    def cumulate(name: str) -> np.ndarray:
        values = np.concatenate([getattr(t, name) for t in terms])[order]
        return np.concatenate(([0], np.cumsum(values)[last]))

    return Sweep(
        thresholds=np.concatenate(([np.inf], ordered[last])),
        tp=cumulate("tp"),
        fp=cumulate("fp"),
        found=cumulate("found").astype(np.int64),
        false_alarms=cumulate("false_alarm").astype(np.int64),
    )
