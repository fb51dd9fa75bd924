"""Events and event-wise precision, recall and F1."""

import math

import numpy as np
import pytest

from anomalia.exceptions import DataError
from anomalia.metrics import event_precision_recall_f1, events_from_labels


def test_events_from_labels_finds_runs_including_edges():
    assert events_from_labels([1, 1, 0, 1, 0, 0, 1]).tolist() == [[0, 1], [3, 3], [6, 6]]


def test_events_from_labels_without_events_has_shape_0_by_2():
    assert events_from_labels([0, 0, 0]).shape == (0, 2)


def test_events_from_labels_rejects_non_binary():
    with pytest.raises(DataError, match="`labels` must contain only 0 and 1"):
        events_from_labels([0, 3])


def test_hand_computed_case():
    # true events [0,1], [4,6], [10,10]; predicted events [1,1], [8,9], [11,11].
    # found true events: [0,1] only (point 1)      -> recall 1/3
    # correct predicted events: [1,1] only          -> precision 1/3
    # F1 = 2 * (1/3 * 1/3) / (2/3) = 1/3
    y_true = [1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0]
    y_pred = [0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1]
    result = event_precision_recall_f1(y_true, y_pred)
    assert result.precision == pytest.approx(1 / 3)
    assert result.recall == pytest.approx(1 / 3)
    assert result.f1 == pytest.approx(1 / 3)


def test_one_predicted_event_spanning_two_true_events():
    # one predicted event [0,2] overlaps both true events [0,0] and [2,2]:
    # precision 1/1, recall 2/2 (point-wise precision would be 2/3)
    assert event_precision_recall_f1([1, 0, 1], [1, 1, 1]) == (1.0, 1.0, 1.0)


def test_each_event_counts_once_whatever_its_length():
    # a long event found by one point and a short one missed: recall 1/2
    y_true = [1] * 50 + [0, 1, 0]
    y_pred = [0] * 49 + [1, 0, 0, 0]
    assert event_precision_recall_f1(y_true, y_pred).recall == 0.5


def test_no_predicted_event_gives_zero_precision():
    assert event_precision_recall_f1([0, 1, 1, 0], [0, 0, 0, 0]) == (0.0, 0.0, 0.0)


def test_no_true_event_gives_nan_recall_and_f1():
    result = event_precision_recall_f1([0, 0, 0, 0], [0, 1, 0, 0])
    assert result.precision == 0.0
    assert math.isnan(result.recall) and math.isnan(result.f1)


def test_length_mismatch_message():
    with pytest.raises(DataError, match="`y_true` has 4, `y_pred` has 3"):
        event_precision_recall_f1(np.zeros(4), np.zeros(3))
