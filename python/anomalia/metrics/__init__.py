"""Evaluation metrics for time-series anomaly detection.

Pure functions on arrays ordered in time: ``y_true`` and ``y_pred`` are 0/1
arrays of shape (n,), ``scores`` a float array of shape (n,) where higher
means more anomalous. Every public function validates its inputs and raises
:class:`~anomalia.exceptions.DataError` on bad data.

Degenerate cases return numbers, never errors: with nothing predicted,
precision is 0; with no positive label, recall, F1, the AUCs, VUS and NAB
scores are nan. :func:`evaluate` computes every scalar metric at once.
"""

from anomalia.metrics.delay import DetectionDelay, detection_delay
from anomalia.metrics.events import event_precision_recall_f1, events_from_labels
from anomalia.metrics.nab import (
    NabProfileScore,
    NabResult,
    NabSeries,
    nab_probationary_period,
    nab_score,
)
from anomalia.metrics.nab_profiles import (
    NAB_PROFILES,
    REWARD_LOW_FN_RATE,
    REWARD_LOW_FP_RATE,
    STANDARD,
    CostProfile,
    load_nab_profiles,
)
from anomalia.metrics.point_adjust import (
    point_adjust,
    point_adjusted_f1,
    point_adjusted_precision_recall_f1,
)
from anomalia.metrics.pointwise import PrecisionRecallF1, point_precision_recall_f1
from anomalia.metrics.ranking import pr_auc, roc_auc
from anomalia.metrics.summary import evaluate
from anomalia.metrics.vus import VolumeUnderSurface, vus, vus_pr, vus_roc

__all__ = [
    "NAB_PROFILES",
    "REWARD_LOW_FN_RATE",
    "REWARD_LOW_FP_RATE",
    "STANDARD",
    "CostProfile",
    "DetectionDelay",
    "NabProfileScore",
    "NabResult",
    "NabSeries",
    "PrecisionRecallF1",
    "VolumeUnderSurface",
    "detection_delay",
    "evaluate",
    "event_precision_recall_f1",
    "events_from_labels",
    "load_nab_profiles",
    "nab_probationary_period",
    "nab_score",
    "point_adjust",
    "point_adjusted_f1",
    "point_adjusted_precision_recall_f1",
    "point_precision_recall_f1",
    "pr_auc",
    "roc_auc",
    "vus",
    "vus_pr",
    "vus_roc",
]
