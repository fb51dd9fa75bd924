"""The warm-up convention shared by every feature builder.

A trailing window at row ``t < window - 1`` reaches back before the first
observation. Instead of leaving those rows empty (NaN) or back-filling them
from later rows (which would leak the future into the past), the series is
extended backwards with its first row: every feature at row ``t`` then depends
on rows ``0..t`` only, and is defined from the very first row.
"""

from __future__ import annotations

import numpy as np


def extend_past(values: np.ndarray, count: int) -> np.ndarray:
    """Return ``values`` with its first row repeated ``count`` times in front.

    Parameters
    ----------
    values : ndarray of shape (n_samples, n_features)
    count : int
        Number of rows to prepend (``>= 0``).

    Returns
    -------
    ndarray of shape (n_samples + count, n_features)
    """
    if count <= 0 or len(values) == 0:
        return values
    return np.concatenate([np.repeat(values[:1], count, axis=0), values])
