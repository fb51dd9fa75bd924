"""Detection delay."""

import math

import numpy as np
import pytest

from anomalia.exceptions import DataError
from anomalia.metrics import detection_delay


def test_hand_computed_delays():
    # events [1,3], [5,6], [8,11]
    # [1,3]: the alarm at 0 is early and does not count; first inside is 3 -> delay 2
    # [5,6]: alarm at 5 -> delay 0
    # [8,11]: no alarm inside -> nan (missed)
    # mean over detected = (2 + 0) / 2 = 1
    y_true = [0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1]
    y_pred = [1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]
    result = detection_delay(y_true, y_pred)
    np.testing.assert_array_equal(result.delays, [2.0, 0.0, np.nan])
    assert result.mean_delay == 1.0
    assert result.n_missed == 1
    assert result.n_events == 3


def test_alarm_after_an_event_does_not_detect_it():
    result = detection_delay([1, 1, 0, 0], [0, 0, 1, 0])
    assert math.isnan(result.delays[0]) and result.n_missed == 1
    assert math.isnan(result.mean_delay)


def test_no_events():
    result = detection_delay([0, 0, 0], [1, 0, 0])
    assert result.delays.shape == (0,)
    assert math.isnan(result.mean_delay)
    assert (result.n_missed, result.n_events) == (0, 0)


def test_bad_input_message():
    with pytest.raises(DataError, match="`y_true` must contain only 0 and 1"):
        detection_delay([0, 7], [0, 1])
