"""Point-adjusted evaluation (Xu et al., WWW 2018, "Donut").

If any point of a true event is predicted, every point of that event counts
as predicted; point-wise metrics are then computed on the adjusted
predictions. Predictions outside true events are left as they are.

The adjustment is optimistic: one lucky point inside a long event earns the
whole event, so a random detector can reach a high point-adjusted F1 on data
with long events. Report it beside, never instead of, point-wise and
event-wise scores.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from anomalia.metrics._validation import check_labels, check_same_length
from anomalia.metrics.events import runs
from anomalia.metrics.pointwise import PrecisionRecallF1, _point_precision_recall_f1


def _point_adjust(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    starts, ends = runs(y_true)
    cumulative = np.concatenate(([0], np.cumsum(y_pred, dtype=np.int64)))
    found = cumulative[ends + 1] - cumulative[starts] > 0
    # Mark each found event with +1 at its start and -1 after its end; the
    # running sum is then 1 exactly on its points. Runs are maximal, so no
    # start coincides with another run's end + 1 and plain indexing is safe.
    marks = np.zeros(len(y_true) + 1, dtype=np.int64)
    marks[starts[found]] += 1
    marks[ends[found] + 1] -= 1
    return y_pred | (np.cumsum(marks[:-1]) > 0)


def point_adjust(y_true: ArrayLike, y_pred: ArrayLike) -> np.ndarray:
    """Return predictions with every found true event filled in.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Ground-truth labels, 1 for anomalous time steps.
    y_pred : array-like of shape (n,)
        Predicted labels, 1 for flagged time steps.

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
        ``y_pred`` with all points of each true event that has at least one
        predicted point set to ``True``.

    Raises
    ------
    DataError
        If the arrays differ in length, are not 1-D, or hold values other than 0 and 1.

    Examples
    --------
    >>> point_adjust([0, 1, 1, 1, 0], [0, 0, 1, 0, 1]).astype(int).tolist()
    [0, 1, 1, 1, 1]
    """
    true = check_labels(y_true, "y_true")
    pred = check_labels(y_pred, "y_pred")
    check_same_length(y_true=true, y_pred=pred)
    return _point_adjust(true, pred)


def _point_adjusted_precision_recall_f1(
    y_true: np.ndarray, y_pred: np.ndarray
) -> PrecisionRecallF1:
    return _point_precision_recall_f1(y_true, _point_adjust(y_true, y_pred))


def point_adjusted_precision_recall_f1(y_true: ArrayLike, y_pred: ArrayLike) -> PrecisionRecallF1:
    """Point-wise precision, recall and F1 after point adjustment.

    Optimistic by construction (see the module docstring): a single predicted
    point inside a true event counts as detecting all of it.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Ground-truth labels, 1 for anomalous time steps.
    y_pred : array-like of shape (n,)
        Predicted labels, 1 for flagged time steps.

    Returns
    -------
    PrecisionRecallF1
        Same degenerate cases as :func:`point_precision_recall_f1`.

    Raises
    ------
    DataError
        If the arrays differ in length, are not 1-D, or hold values other than 0 and 1.
    """
    true = check_labels(y_true, "y_true")
    pred = check_labels(y_pred, "y_pred")
    check_same_length(y_true=true, y_pred=pred)
    return _point_adjusted_precision_recall_f1(true, pred)


def point_adjusted_f1(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Point-adjusted F1; see :func:`point_adjusted_precision_recall_f1`.

    Examples
    --------
    The adjusted prediction is ``[0, 1, 1, 1, 1]``: precision 3/4, recall 1.

    >>> round(point_adjusted_f1([0, 1, 1, 1, 0], [0, 0, 1, 0, 1]), 4)
    0.8571
    """
    return point_adjusted_precision_recall_f1(y_true, y_pred).f1
