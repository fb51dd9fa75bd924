"""Rolling statistical baselines: z-score and robust median/MAD.

Both score each point by how far it lies from the statistics of the
``window`` points *before* it (the point itself is excluded, so a spike does
not inflate its own reference).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from anomalia.detectors.base import BaseDetector
from anomalia.detectors.params import check_integer

_MAD_TO_STD = 1.4826  # MAD of a normal distribution times this is its std


def _check_window(window: int) -> None:
    check_integer("window", window, minimum=2)


def _min_history(window: int) -> int:
    """Past points needed before a point is scored; earlier points score 0.

    With only a couple of past points the reference spread is tiny and the
    first points of every series would get huge scores.
    """
    return max(2, window // 2)


def _trailing(X: np.ndarray, window: int) -> np.ndarray:
    """Row t holds x[t - window], ..., x[t - 1] per column (NaN before the start), a view."""
    padded = np.vstack([np.full((window, X.shape[1]), np.nan), X])[:-1]
    return np.lib.stride_tricks.sliding_window_view(padded, window, axis=0)


class RollingZScore(BaseDetector):
    """Absolute z-score of each point against the trailing window's mean and std.

    Parameters
    ----------
    window : int, default 48
        Number of past points forming the reference.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.sin(np.arange(500) / 10); x[300] += 5
    >>> int(np.argmax(RollingZScore(window=30).fit(x).score(x)))
    300
    """

    name = "zscore"
    causal = True

    def __init__(self, *, window: int = 48):
        self.window = window

    def min_samples(self) -> int:
        return self.window + 1

    def stream_history(self) -> int:
        super().stream_history()
        return self.window

    def warmup_rows(self) -> int:
        return self.window

    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        _check_window(self.window)
        # Floor for the reference std: a flat window must not give infinite scores.
        self.std_floor_ = np.maximum(X.std(axis=0) * 1e-3, 1e-12)

    def _score(self, X: np.ndarray) -> np.ndarray:
        # Each window's mean and std are summed from its own points (not a running
        # sum from the start of X, as pandas' rolling does), so a point's score is
        # bit for bit the same wherever the scored array starts: streaming in
        # pieces gives exactly the scores of the whole series.
        window = self.window
        trailing = _trailing(X, window)  # (n, features, window), NaN before the start
        mean = np.full(X.shape, np.nan)
        std = np.full(X.shape, np.nan)
        first = min(_min_history(window), len(X))
        last = min(window, len(X))
        mean[window:] = trailing[window:].mean(axis=2)
        std[window:] = trailing[window:].std(axis=2, ddof=1)
        with np.errstate(all="ignore"):
            mean[first:last] = np.nanmean(trailing[first:last], axis=2)
            std[first:last] = np.nanstd(trailing[first:last], axis=2, ddof=1)
        z = np.abs(X - mean) / np.maximum(std, self.std_floor_)
        return np.nan_to_num(z, nan=0.0).max(axis=1)


class RobustMAD(BaseDetector):
    """Absolute robust z-score against the trailing window's median and MAD.

    Resistant to earlier anomalies in the window, unlike :class:`RollingZScore`.

    Parameters
    ----------
    window : int, default 48
        Number of past points forming the reference.
    """

    name = "mad"
    causal = True

    def __init__(self, *, window: int = 48):
        self.window = window

    def min_samples(self) -> int:
        return self.window + 1

    def stream_history(self) -> int:
        super().stream_history()
        return self.window

    def warmup_rows(self) -> int:
        return self.window

    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        _check_window(self.window)
        self.scale_floor_ = np.maximum(X.std(axis=0) * 1e-3, 1e-12)

    def _score(self, X: np.ndarray) -> np.ndarray:
        window = self.window
        past = pd.DataFrame(X).shift(1).rolling(window, min_periods=_min_history(window))
        median = past.median().to_numpy()
        # Rolling MAD: median of |x - median| over the same trailing window.
        # Row t of `trailing` holds x[t - window], ..., x[t - 1] (NaN before the start).
        trailing = _trailing(X, window)
        deviations = np.abs(trailing - median[:, :, None])  # (n, features, window)
        mad = np.full(X.shape, np.nan)
        # Complete windows hold no NaN, so the plain (much faster) median applies;
        # warm-up rows from `first` on have enough past points and a median, so
        # nanmedian never sees an all-NaN slice. Earlier rows score 0.
        first = _min_history(window)
        mad[window:] = np.median(deviations[window:], axis=2)
        mad[first:window] = np.nanmedian(deviations[first:window], axis=2)
        scale = np.maximum(mad * _MAD_TO_STD, self.scale_floor_)
        z = np.abs(X - median) / scale
        return np.nan_to_num(z, nan=0.0).max(axis=1)
