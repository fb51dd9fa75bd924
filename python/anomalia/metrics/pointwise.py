"""Point-wise precision, recall and F1.

Every time step is one sample: a predicted point is a true positive when the
label at the same step is 1.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from anomalia.metrics._validation import check_labels, check_same_length


class PrecisionRecallF1(NamedTuple):
    """Precision, recall and their harmonic mean.

    Attributes
    ----------
    precision : float
        Share of predicted positives that are correct; 0.0 when nothing is
        predicted.
    recall : float
        Share of actual positives that are found; nan when there are none.
    f1 : float
        Harmonic mean of precision and recall; 0.0 when both are 0, nan when
        recall is nan.
    """

    precision: float
    recall: float
    f1: float


def from_counts(
    n_correct_predicted: int, n_predicted: int, n_found: int, n_actual: int
) -> PrecisionRecallF1:
    """Build precision, recall and F1 from counts, with the documented degenerate cases.

    Parameters
    ----------
    n_correct_predicted : int
        Predicted units (points or events) that hit an actual positive.
    n_predicted : int
        All predicted units.
    n_found : int
        Actual positive units that were hit.
    n_actual : int
        All actual positive units.

    Returns
    -------
    PrecisionRecallF1
    """
    precision = n_correct_predicted / n_predicted if n_predicted else 0.0
    recall = n_found / n_actual if n_actual else float("nan")
    if np.isnan(recall):
        f1 = float("nan")
    elif precision + recall == 0:
        f1 = 0.0
    else:
        f1 = 2 * precision * recall / (precision + recall)
    return PrecisionRecallF1(float(precision), float(recall), float(f1))


def _point_precision_recall_f1(y_true: np.ndarray, y_pred: np.ndarray) -> PrecisionRecallF1:
    true_positives = int(np.count_nonzero(y_true & y_pred))
    return from_counts(
        true_positives,
        int(np.count_nonzero(y_pred)),
        true_positives,
        int(np.count_nonzero(y_true)),
    )


def point_precision_recall_f1(y_true: ArrayLike, y_pred: ArrayLike) -> PrecisionRecallF1:
    """Point-wise precision, recall and F1.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Ground-truth labels, 1 for anomalous time steps.
    y_pred : array-like of shape (n,)
        Predicted labels, 1 for flagged time steps.

    Returns
    -------
    PrecisionRecallF1
        ``precision`` is 0.0 when nothing is predicted; ``recall`` and ``f1``
        are nan when ``y_true`` has no positive label.

    Raises
    ------
    DataError
        If the arrays differ in length, are not 1-D, or hold values other than 0 and 1.

    Examples
    --------
    >>> point_precision_recall_f1([0, 1, 1, 0], [0, 1, 0, 1])
    PrecisionRecallF1(precision=0.5, recall=0.5, f1=0.5)
    """
    true = check_labels(y_true, "y_true")
    pred = check_labels(y_pred, "y_pred")
    check_same_length(y_true=true, y_pred=pred)
    return _point_precision_recall_f1(true, pred)
