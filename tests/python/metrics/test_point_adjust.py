"""Point adjustment (Xu et al. 2018)."""

import numpy as np
import pytest

from anomalia.exceptions import DataError
from anomalia.metrics import (
    point_adjust,
    point_adjusted_f1,
    point_adjusted_precision_recall_f1,
    point_precision_recall_f1,
)

Y_TRUE = [0, 1, 1, 1, 0, 0, 1, 1, 0]
Y_PRED = [0, 0, 1, 0, 0, 1, 0, 0, 0]


def test_found_event_is_filled_and_missed_event_is_not():
    # event [1,3] is hit at 2 -> filled; event [6,7] is missed; the false alarm at 5 stays.
    assert point_adjust(Y_TRUE, Y_PRED).astype(int).tolist() == [0, 1, 1, 1, 0, 1, 0, 0, 0]


def test_hand_computed_adjusted_scores():
    # adjusted prediction above: TP 3, predicted 4, actual 5
    # precision 3/4, recall 3/5, F1 = 2 * 0.45 / 1.35 = 2/3
    result = point_adjusted_precision_recall_f1(Y_TRUE, Y_PRED)
    assert result.precision == pytest.approx(0.75)
    assert result.recall == pytest.approx(0.6)
    assert point_adjusted_f1(Y_TRUE, Y_PRED) == pytest.approx(2 / 3)
    # unadjusted: TP 1, predicted 2, actual 5 -> F1 = 2 * 0.1 / 0.7 = 2/7
    assert point_precision_recall_f1(Y_TRUE, Y_PRED).f1 == pytest.approx(2 / 7)


def test_event_at_the_end_of_the_series_and_adjacent_to_start():
    assert point_adjust([1, 1, 0, 1, 1], [1, 0, 0, 0, 1]).astype(int).tolist() == [1, 1, 0, 1, 1]


def test_inputs_are_not_modified():
    y_pred = np.array(Y_PRED)
    point_adjust(Y_TRUE, y_pred)
    assert y_pred.tolist() == Y_PRED


def test_adjustment_is_never_below_pointwise_f1():
    rng = np.random.default_rng(0)
    for _ in range(20):
        y_true = np.repeat(rng.random(30) < 0.3, 5)
        y_pred = rng.random(150) < 0.1
        adjusted = point_adjusted_f1(y_true, y_pred)
        assert adjusted >= point_precision_recall_f1(y_true, y_pred).f1


def test_bad_input_message():
    with pytest.raises(DataError, match="`y_pred` must contain only 0 and 1"):
        point_adjust([0, 1], [0, -1])
