"""Point-wise precision, recall and F1."""

import math

import numpy as np
import pandas as pd
import pytest

from anomalia.exceptions import DataError
from anomalia.metrics import point_precision_recall_f1


def test_hand_computed_case():
    # TP at indices 1 and 4 -> 2; predicted 4; actual 3.
    # precision 2/4, recall 2/3, F1 = 2 * (1/2 * 2/3) / (1/2 + 2/3) = (2/3) / (7/6) = 4/7
    result = point_precision_recall_f1([0, 1, 1, 0, 1, 0], [1, 1, 0, 0, 1, 1])
    assert result.precision == pytest.approx(0.5)
    assert result.recall == pytest.approx(2 / 3)
    assert result.f1 == pytest.approx(4 / 7)


def test_perfect_prediction_scores_one():
    assert point_precision_recall_f1([0, 1, 1, 0], [0, 1, 1, 0]) == (1.0, 1.0, 1.0)


def test_no_predictions_gives_zero_precision_and_f1():
    assert point_precision_recall_f1([0, 1, 1, 0], [0, 0, 0, 0]) == (0.0, 0.0, 0.0)


def test_no_positive_labels_gives_nan_recall_and_f1():
    result = point_precision_recall_f1([0, 0, 0], [0, 1, 0])
    assert result.precision == 0.0
    assert math.isnan(result.recall) and math.isnan(result.f1)


def test_accepts_bools_floats_and_series():
    expected = point_precision_recall_f1([0, 1, 1, 0], [0, 1, 0, 1])
    assert (
        point_precision_recall_f1(
            np.array([False, True, True, False]), np.array([0.0, 1.0, 0.0, 1.0])
        )
        == expected
    )
    assert point_precision_recall_f1(pd.Series([0, 1, 1, 0]), pd.Series([0, 1, 0, 1])) == expected


@pytest.mark.parametrize(
    ("y_true", "y_pred", "message"),
    [
        ([0, 1, 0], [0, 1], r"same length.*`y_true` has 3, `y_pred` has 2"),
        ([0, 2, 0], [0, 1, 0], r"`y_true` must contain only 0 and 1, got 2 at index 1"),
        ([0, 1, 0], [0, 0.5, 0], r"`y_pred` must contain only 0 and 1, got 0.5 at index 1"),
        ([0, 1, np.nan], [0, 1, 0], r"`y_true` must contain only 0 and 1, got nan at index 2"),
        ([[0, 1], [1, 0]], [0, 1], r"`y_true` must be a one-dimensional array.*\(2, 2\)"),
        ([], [], r"`y_true` is empty"),
        (["a", "b"], [0, 1], r"`y_true` must be numeric"),
    ],
)
def test_bad_input_messages(y_true, y_pred, message):
    with pytest.raises(DataError, match=message):
        point_precision_recall_f1(y_true, y_pred)


def test_data_error_is_a_value_error():
    with pytest.raises(ValueError):
        point_precision_recall_f1([0, 1], [0, 1, 1])
