"""Keep a score only at the onset of an anomaly: the "new maximum" rule.

A detector that scores the *state* of a series keeps scoring high for as long
as an anomalous state lasts (a level shift that persists, a burst of noise),
so every point after the onset becomes a false alarm once a threshold is
applied. :func:`keep_onsets` keeps the score of a point only when it exceeds
every score of the ``window`` points before it and sets the others to 0. A
persistent anomaly then raises one alarm at its start; a later, larger one
still alarms. The rule is causal (row ``t`` uses rows ``t - window .. t``),
needs no threshold and is idempotent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from anomalia.detectors.params import check_integer, check_number


def keep_onsets(scores: np.ndarray, window: int, margin: float = 1.0) -> np.ndarray:
    """Zero every score that does not exceed the maximum of the previous ``window`` scores.

    Parameters
    ----------
    scores : ndarray of shape (n,)
        Scores in time order, higher is more anomalous.
    window : int
        Points looked back (``>= 1``); the first point is always kept.
    margin : float, default 1.0
        A score is kept only where it exceeds ``margin`` times that maximum
        (for non-negative scores, ``margin >= 1``): a later score must be
        clearly larger, not merely larger, to alarm again.

    Returns
    -------
    ndarray of shape (n,)
        ``scores[t]`` where it is a new maximum over ``scores[t - window : t]``,
        else 0 (or the score itself where it is below 0, so nothing rises).

    Examples
    --------
    >>> keep_onsets(np.array([0.1, 0.9, 0.8, 0.9, 0.2, 1.0]), window=3).tolist()
    [0.1, 0.9, 0.0, 0.0, 0.0, 1.0]
    """
    check_integer("window", window, minimum=1)
    check_number("margin", margin, low=1.0, high=np.inf)
    scores = np.asarray(scores, dtype=np.float64)
    previous = pd.Series(scores).shift(1).rolling(window, min_periods=1).max().to_numpy()
    onset = ~(scores <= margin * previous)  # the first point (previous NaN) is an onset
    return np.where(onset, scores, np.minimum(scores, 0.0))
