"""All scalar metrics of one series in one call."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from anomalia.metrics._nab_sweep import series_terms
from anomalia.metrics._validation import check_labels, check_same_length, check_scores
from anomalia.metrics.delay import _detection_delay
from anomalia.metrics.events import _event_precision_recall_f1, runs
from anomalia.metrics.nab import _score_profiles, nab_probationary_period
from anomalia.metrics.nab_profiles import NAB_PROFILES
from anomalia.metrics.point_adjust import _point_adjusted_precision_recall_f1
from anomalia.metrics.pointwise import _point_precision_recall_f1
from anomalia.metrics.ranking import _pr_auc, _roc_auc
from anomalia.metrics.vus import DEFAULT_MAX_N_BUFFERS, DEFAULT_N_THRESHOLDS, _vus


def evaluate(y_true: ArrayLike, scores: ArrayLike, y_pred: ArrayLike) -> dict[str, float]:
    """Every scalar metric of one series, keyed by name.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Ground-truth labels, 1 for anomalous time steps.
    scores : array-like of shape (n,)
        Anomaly scores, higher meaning more anomalous.
    y_pred : array-like of shape (n,)
        Predicted labels, 1 for flagged time steps (e.g. ``detector.predict``).

    Returns
    -------
    dict of str to float
        From ``y_pred``:

        - ``precision``, ``recall``, ``f1``: point-wise.
        - ``event_precision``, ``event_recall``, ``event_f1``: event-wise.
        - ``point_adjusted_precision``, ``point_adjusted_recall``,
          ``point_adjusted_f1``: after point adjustment (optimistic).
        - ``mean_delay``: mean detection delay over detected events, in points.
        - ``n_events``, ``n_missed_events``: true events, and those with no
          predicted point inside them (as floats).

        From ``scores`` (threshold-free):

        - ``roc_auc``, ``pr_auc``: point-wise ROC-AUC and average precision.
        - ``vus_roc``, ``vus_pr``: volume under the range-ROC/PR surface,
          with the defaults of :func:`vus`.
        - ``nab_standard``, ``nab_reward_low_fp_rate``,
          ``nab_reward_low_fn_rate``: normalised NAB score of the series
          under each profile, with the windows taken from the runs of
          ``y_true``, NAB's probationary period and, as NAB does, the
          threshold on ``scores`` that maximises the raw score (``y_pred``
          is not used here).

        Undefined values are nan: recall, F1, AUCs, VUS and NAB scores when
        ``y_true`` has no positive label; ``roc_auc`` and ``vus_roc`` also
        when every point is labelled anomalous; ``mean_delay`` when no event
        is detected.

    Raises
    ------
    DataError
        If the arrays differ in length, labels are not 0/1 or scores are not finite.
    """
    true = check_labels(y_true, "y_true")
    values = check_scores(scores)
    pred = check_labels(y_pred, "y_pred")
    check_same_length(y_true=true, scores=values, y_pred=pred)

    point = _point_precision_recall_f1(true, pred)
    event = _event_precision_recall_f1(true, pred)
    adjusted = _point_adjusted_precision_recall_f1(true, pred)
    delay = _detection_delay(true, pred)
    surface = _vus(true, values, None, DEFAULT_N_THRESHOLDS, DEFAULT_MAX_N_BUFFERS)
    windows = np.column_stack(runs(true))
    terms = series_terms(values, windows, nab_probationary_period(len(values)))
    nab = _score_profiles([terms], NAB_PROFILES, None)
    metrics = {
        "precision": point.precision,
        "recall": point.recall,
        "f1": point.f1,
        "event_precision": event.precision,
        "event_recall": event.recall,
        "event_f1": event.f1,
        "point_adjusted_precision": adjusted.precision,
        "point_adjusted_recall": adjusted.recall,
        "point_adjusted_f1": adjusted.f1,
        "mean_delay": delay.mean_delay,
        "n_events": float(delay.n_events),
        "n_missed_events": float(delay.n_missed),
        "roc_auc": _roc_auc(true, values),
        "pr_auc": _pr_auc(true, values),
        "vus_roc": surface.roc,
        "vus_pr": surface.pr,
    }
    for profile in NAB_PROFILES:
        metrics[f"nab_{profile.name.lower()}"] = nab[profile.name].score
    return metrics
