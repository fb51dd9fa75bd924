"""Score a point by how it compares with the recent scores of its own series.

A detector's raw score means different things on different series: on a
series that keeps reaching new values (a growing trend, a heavy-tailed
volume) a moderate novelty is routine, on a quiet one it is news. NAB picks
one threshold for the whole corpus, so routine novelty becomes false alarms.
:func:`surprise` divides each score by what the series has lately produced:
``s = r * r / (r + weight * m)``, where ``m`` is the largest earlier score,
each discounted by ``exp(-age / decay)`` (a decayed running maximum). A score
well above ``m`` passes almost unchanged, one at the level of ``m`` is
halved (for weight 1), and a series that is quiet for a while regains its
full sensitivity. It is causal and keeps one number of state.

The decayed maximum is computed in log space against the absolute row index,
``m[t] = exp(max_{s < t}(log r[s] + (s + 1) / decay) - t / decay)``: a
running maximum, exact whichever way a stream is cut into pieces.
"""

from __future__ import annotations

import numpy as np


def surprise(
    scores: np.ndarray, decay: float, weight: float, *, start: int = 0, peak: float = -np.inf
) -> tuple[np.ndarray, float]:
    """Scores divided by the series' recent scores, and the state to continue with.

    Parameters
    ----------
    scores : ndarray of shape (n,)
        Non-negative raw scores in time order.
    decay : float
        Rows over which an earlier score's weight falls by a factor ``e`` (> 0).
    weight : float
        How much the recent maximum counts (>= 0; 0 returns the scores unchanged).
    start : int, default 0
        Index of ``scores[0]`` in the whole stream.
    peak : float, default -inf
        ``max(log r[s] + (s + 1) / decay)`` over the stream's earlier rows
        (``-inf`` at the start of a stream).

    Returns
    -------
    scores : ndarray of shape (n,)
    peak : float
        The same maximum including these rows, for the next piece.

    Examples
    --------
    >>> out, _ = surprise(np.array([1.0, 1.0, 0.0, 4.0]), decay=1e9, weight=1.0)
    >>> out.round(3).tolist()
    [1.0, 0.5, 0.0, 3.2]
    """
    scores = np.asarray(scores, dtype=np.float64)
    rows = start + np.arange(len(scores), dtype=np.float64)
    with np.errstate(divide="ignore"):
        logged = np.log(np.maximum(scores, 0.0)) + (rows + 1.0) / decay
    running = np.maximum.accumulate(np.concatenate([[peak], logged]))
    recent = np.exp(running[:-1] - rows / decay)
    out = np.zeros(len(scores))
    positive = scores > 0
    r = scores[positive]
    out[positive] = r * r / (r + weight * recent[positive])
    return out, float(running[-1])
