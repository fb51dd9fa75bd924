"""Lagged values and first differences.

Row ``t`` of a lag-``k`` feature holds ``x[t - k]``; before the start of the
series it holds the first value (see :mod:`anomalia.features.padding`), so
the first difference of row 0 is 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from anomalia.features.padding import extend_past


def lag_features(
    values: np.ndarray, lags: Sequence[int], column_names: Sequence[str]
) -> tuple[np.ndarray, list[str]]:
    """Lagged copies of each column.

    Parameters
    ----------
    values : ndarray of shape (n_samples, n_features)
    lags : sequence of int
        Positive lags in rows.
    column_names : sequence of str

    Returns
    -------
    features : ndarray of shape (n_samples, n_features * len(lags))
    names : list of str
        ``"{column}_lag{k}"``.
    """
    if not lags:
        return np.empty((len(values), 0)), []
    longest = max(lags)
    padded = extend_past(values, longest)
    n_rows = len(values)
    blocks = [padded[longest - lag : longest - lag + n_rows] for lag in lags]
    names = [f"{column}_lag{lag}" for lag in lags for column in column_names]
    return np.concatenate(blocks, axis=1), names


def difference_features(
    values: np.ndarray, column_names: Sequence[str]
) -> tuple[np.ndarray, list[str]]:
    """First differences ``x[t] - x[t - 1]`` of each column (0 at row 0).

    Parameters
    ----------
    values : ndarray of shape (n_samples, n_features)
    column_names : sequence of str

    Returns
    -------
    features : ndarray of shape (n_samples, n_features)
    names : list of str
        ``"{column}_diff1"``.
    """
    differences = np.diff(extend_past(values, 1), axis=0)
    return differences, [f"{column}_diff1" for column in column_names]
