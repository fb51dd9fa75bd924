"""Threshold-free ranking metrics: ROC-AUC and PR-AUC (average precision).

Both treat every time step as an independent sample and ask how well the
scores rank anomalous steps above normal ones.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from anomalia.metrics._validation import check_labels, check_same_length, check_scores


def _roc_auc(y_true: np.ndarray, scores: np.ndarray) -> float:
    n_positive = int(np.count_nonzero(y_true))
    if n_positive == 0 or n_positive == len(y_true):
        return float("nan")
    from sklearn.metrics import roc_auc_score  # imported on use: scikit-learn takes 1 s to load

    return float(roc_auc_score(y_true, scores))


def _pr_auc(y_true: np.ndarray, scores: np.ndarray) -> float:
    if not y_true.any():
        return float("nan")
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(y_true, scores))


def roc_auc(y_true: ArrayLike, scores: ArrayLike) -> float:
    """Area under the ROC curve of point-wise labels against scores.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Ground-truth labels, 1 for anomalous time steps.
    scores : array-like of shape (n,)
        Anomaly scores, higher meaning more anomalous.

    Returns
    -------
    float
        In [0, 1]; 0.5 for uninformative scores. nan when ``y_true`` holds
        only one class (the ROC curve needs both positives and negatives).

    Raises
    ------
    DataError
        If the arrays differ in length, labels are not 0/1 or scores are not finite.

    Examples
    --------
    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    true = check_labels(y_true, "y_true")
    values = check_scores(scores)
    check_same_length(y_true=true, scores=values)
    return _roc_auc(true, values)


def pr_auc(y_true: ArrayLike, scores: ArrayLike) -> float:
    """Area under the precision-recall curve, as average precision.

    Average precision is the step-wise sum ``sum_k (R_k - R_{k-1}) P_k`` over
    thresholds, which, unlike the trapezoidal rule, does not interpolate
    optimistically between operating points.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Ground-truth labels, 1 for anomalous time steps.
    scores : array-like of shape (n,)
        Anomaly scores, higher meaning more anomalous.

    Returns
    -------
    float
        In [0, 1]; about the share of positives for uninformative scores.
        nan when ``y_true`` has no positive label (recall is undefined).

    Raises
    ------
    DataError
        If the arrays differ in length, labels are not 0/1 or scores are not finite.

    Examples
    --------
    >>> round(pr_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 4)
    0.8333
    """
    true = check_labels(y_true, "y_true")
    values = check_scores(scores)
    check_same_length(y_true=true, scores=values)
    return _pr_auc(true, values)
