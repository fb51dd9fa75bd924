"""evaluate(): every scalar metric at once."""

import math

import numpy as np
import pytest

from anomalia.exceptions import DataError
from anomalia.metrics import (
    NabSeries,
    detection_delay,
    evaluate,
    event_precision_recall_f1,
    nab_score,
    point_adjusted_f1,
    point_precision_recall_f1,
    pr_auc,
    roc_auc,
    vus,
)

KEYS = {
    "precision", "recall", "f1",
    "event_precision", "event_recall", "event_f1",
    "point_adjusted_precision", "point_adjusted_recall", "point_adjusted_f1",
    "mean_delay", "n_events", "n_missed_events",
    "roc_auc", "pr_auc", "vus_roc", "vus_pr",
    "nab_standard", "nab_reward_low_fp_rate", "nab_reward_low_fn_rate",
}  # fmt: skip


@pytest.fixture
def series():
    rng = np.random.default_rng(0)
    y_true = np.zeros(400, dtype=int)
    y_true[[*range(150, 160), *range(300, 305)]] = 1
    scores = rng.random(400) + y_true
    y_pred = (scores > 1.2).astype(int)
    return y_true, scores, y_pred


def test_keys_and_agreement_with_the_individual_functions(series):
    y_true, scores, y_pred = series
    metrics = evaluate(y_true, scores, y_pred)
    assert set(metrics) == KEYS
    assert all(isinstance(value, float) for value in metrics.values())
    point = point_precision_recall_f1(y_true, y_pred)
    assert (metrics["precision"], metrics["recall"], metrics["f1"]) == tuple(point)
    assert metrics["event_f1"] == event_precision_recall_f1(y_true, y_pred).f1
    assert metrics["point_adjusted_f1"] == point_adjusted_f1(y_true, y_pred)
    assert metrics["mean_delay"] == detection_delay(y_true, y_pred).mean_delay
    assert metrics["n_events"] == 2.0
    assert metrics["roc_auc"] == roc_auc(y_true, scores)
    assert metrics["pr_auc"] == pr_auc(y_true, scores)
    assert (metrics["vus_roc"], metrics["vus_pr"]) == tuple(vus(y_true, scores))
    nab = nab_score(NabSeries.from_labels(scores, y_true))
    assert metrics["nab_standard"] == nab["standard"].score
    assert metrics["nab_reward_low_fn_rate"] == nab["reward_low_FN_rate"].score


def test_no_positive_labels_gives_nan_not_an_error():
    metrics = evaluate([0, 0, 0, 0], [0.1, 0.2, 0.3, 0.4], [0, 1, 0, 0])
    assert metrics["precision"] == 0.0
    for key in ("recall", "f1", "roc_auc", "pr_auc", "vus_roc", "vus_pr", "nab_standard"):
        assert math.isnan(metrics[key]), key


def test_length_mismatch_message():
    with pytest.raises(DataError, match="`y_true` has 3, `scores` has 3, `y_pred` has 2"):
        evaluate([0, 1, 0], [0.1, 0.2, 0.3], [0, 1])
