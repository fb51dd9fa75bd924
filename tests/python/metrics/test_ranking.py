"""ROC-AUC and PR-AUC."""

import math

import pytest

from anomalia.exceptions import DataError
from anomalia.metrics import pr_auc, roc_auc


def test_hand_computed_roc_auc():
    # positive/negative pairs: (0.35 > 0.1) yes, (0.35 > 0.4) no, (0.8 > both) yes, yes -> 3/4
    assert roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)


def test_hand_computed_average_precision():
    # ranked: 0.8 (pos) P=1 R=1/2; 0.4 (neg); 0.35 (pos) P=2/3 R=1
    # AP = 1/2 * 1 + 1/2 * 2/3 = 5/6
    assert pr_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(5 / 6)


def test_no_positive_label_gives_nan():
    assert math.isnan(roc_auc([0, 0, 0], [0.1, 0.2, 0.3]))
    assert math.isnan(pr_auc([0, 0, 0], [0.1, 0.2, 0.3]))


def test_all_positive_labels():
    # ROC needs negatives -> nan; every detection is correct -> AP 1
    assert math.isnan(roc_auc([1, 1], [0.1, 0.2]))
    assert pr_auc([1, 1], [0.1, 0.2]) == 1.0


def test_non_finite_scores_message():
    with pytest.raises(DataError, match=r"`scores` must be finite, got inf at index 1"):
        roc_auc([0, 1, 0], [0.1, float("inf"), 0.2])


def test_length_mismatch_message():
    with pytest.raises(DataError, match="`y_true` has 3, `scores` has 2"):
        pr_auc([0, 1, 0], [0.1, 0.2])
