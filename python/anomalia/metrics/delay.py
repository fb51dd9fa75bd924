"""Detection delay: how many steps after an event starts it is first flagged.

For each true event ``[start, end]`` the delay is ``first - start`` where
``first`` is the first predicted point inside the event; a detection at the
event's first point has delay 0. An event with no predicted point inside it
is missed and has delay nan. Predictions before the event (early alarms) or
after it do not count as detecting it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from anomalia.metrics._validation import check_labels, check_same_length
from anomalia.metrics.events import runs


class DetectionDelay(NamedTuple):
    """Per-event detection delays and their summary.

    Attributes
    ----------
    delays : numpy.ndarray of float64, shape (n_events,)
        Steps from each true event's start to its first predicted point; nan
        for missed events. In time order of the events.
    mean_delay : float
        Mean of ``delays`` over detected events; nan if none was detected.
    n_missed : int
        Number of true events with no predicted point inside them.
    n_events : int
        Number of true events.
    """

    delays: np.ndarray
    mean_delay: float
    n_missed: int
    n_events: int


def _detection_delay(y_true: np.ndarray, y_pred: np.ndarray) -> DetectionDelay:
    starts, ends = runs(y_true)
    predicted = np.flatnonzero(y_pred)
    # First predicted index at or after each start; len(predicted) when none.
    position = np.searchsorted(predicted, starts, side="left")
    padded = np.append(predicted, np.iinfo(np.int64).max)
    first = padded[position]
    detected = first <= ends
    delays = np.where(detected, first - starts, np.nan).astype(np.float64)
    n_detected = int(np.count_nonzero(detected))
    mean_delay = float(np.nanmean(delays)) if n_detected else float("nan")
    return DetectionDelay(delays, mean_delay, len(starts) - n_detected, len(starts))


def detection_delay(y_true: ArrayLike, y_pred: ArrayLike) -> DetectionDelay:
    """Detection delay of each true event and a summary.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Ground-truth labels, 1 for anomalous time steps.
    y_pred : array-like of shape (n,)
        Predicted labels, 1 for flagged time steps.

    Returns
    -------
    DetectionDelay
        ``delays`` per event (nan when missed), ``mean_delay`` over detected
        events (nan when none is detected or there are no events),
        ``n_missed`` and ``n_events``.

    Raises
    ------
    DataError
        If the arrays differ in length, are not 1-D, or hold values other than 0 and 1.

    Examples
    --------
    >>> result = detection_delay([0, 1, 1, 1, 0, 1, 1], [0, 0, 0, 1, 0, 0, 0])
    >>> result.delays.tolist(), result.mean_delay, result.n_missed
    ([2.0, nan], 2.0, 1)
    """
    true = check_labels(y_true, "y_true")
    pred = check_labels(y_pred, "y_pred")
    check_same_length(y_true=true, y_pred=pred)
    return _detection_delay(true, pred)
