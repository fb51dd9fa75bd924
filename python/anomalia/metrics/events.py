"""Events (maximal runs of 1) and event-wise precision, recall and F1.

An event is a maximal run of consecutive 1s. True events come from
``y_true``, predicted events from ``y_pred``. A true event is *found* when at
least one of its points is predicted; a predicted event is *correct* when at
least one of its points is labelled anomalous. Each event counts once,
whatever its length, so one long anomaly cannot dominate the score.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from anomalia.metrics._validation import check_labels, check_same_length
from anomalia.metrics.pointwise import PrecisionRecallF1, from_counts


def runs(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and inclusive end indices of the runs of ``True`` in a boolean array.

    Parameters
    ----------
    labels : numpy.ndarray of bool, shape (n,)
        Clean boolean labels (not validated).

    Returns
    -------
    starts, ends : numpy.ndarray of int64, shape (n_runs,)
        ``labels[starts[k]:ends[k] + 1]`` is the k-th run, in time order.
    """
    padded = np.concatenate(([0], labels.astype(np.int8), [0]))
    changes = np.diff(padded)
    starts = np.flatnonzero(changes == 1)
    ends = np.flatnonzero(changes == -1) - 1
    return starts.astype(np.int64), ends.astype(np.int64)


def events_from_labels(labels: ArrayLike) -> np.ndarray:
    """Return the events of a 0/1 label array as inclusive ``(start, end)`` pairs.

    Parameters
    ----------
    labels : array-like of shape (n,)
        0/1 labels ordered in time.

    Returns
    -------
    numpy.ndarray of int64, shape (n_events, 2)
        One row per maximal run of 1s: its first and last index (inclusive).

    Raises
    ------
    DataError
        If ``labels`` is not a non-empty 1-D array of 0s and 1s.

    Examples
    --------
    >>> events_from_labels([0, 1, 1, 0, 1]).tolist()
    [[1, 2], [4, 4]]
    """
    starts, ends = runs(check_labels(labels, "labels"))
    return np.column_stack((starts, ends))


def _hit(starts: np.ndarray, ends: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Whether each run ``[start, end]`` contains at least one ``True`` of ``other``."""
    cumulative = np.concatenate(([0], np.cumsum(other, dtype=np.int64)))
    return cumulative[ends + 1] - cumulative[starts] > 0


def _event_precision_recall_f1(y_true: np.ndarray, y_pred: np.ndarray) -> PrecisionRecallF1:
    true_starts, true_ends = runs(y_true)
    pred_starts, pred_ends = runs(y_pred)
    found = _hit(true_starts, true_ends, y_pred)
    correct = _hit(pred_starts, pred_ends, y_true)
    return from_counts(
        int(np.count_nonzero(correct)),
        len(pred_starts),
        int(np.count_nonzero(found)),
        len(true_starts),
    )


def event_precision_recall_f1(y_true: ArrayLike, y_pred: ArrayLike) -> PrecisionRecallF1:
    """Event-wise (range-based) precision, recall and F1.

    Recall is the share of true events overlapped by at least one predicted
    point; precision is the share of predicted events that overlap at least
    one true event; F1 is their harmonic mean.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Ground-truth labels, 1 for anomalous time steps.
    y_pred : array-like of shape (n,)
        Predicted labels, 1 for flagged time steps.

    Returns
    -------
    PrecisionRecallF1
        ``precision`` is 0.0 when there is no predicted event; ``recall`` and
        ``f1`` are nan when there is no true event.

    Raises
    ------
    DataError
        If the arrays differ in length, are not 1-D, or hold values other than 0 and 1.

    Examples
    --------
    >>> event_precision_recall_f1([1, 1, 0, 0, 1], [0, 1, 0, 1, 0])
    PrecisionRecallF1(precision=0.5, recall=0.5, f1=0.5)
    """
    true = check_labels(y_true, "y_true")
    pred = check_labels(y_pred, "y_pred")
    check_same_length(y_true=true, y_pred=pred)
    return _event_precision_recall_f1(true, pred)
