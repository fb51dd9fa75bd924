"""Trailing-window statistics: mean, standard deviation, min, max, quantiles.

The window at row ``t`` covers rows ``t - window + 1 .. t`` (the row itself
included), so each feature uses only the present and the past.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from anomalia.features.padding import extend_past

#: Statistics :func:`rolling_features` computes unless told otherwise.
STATISTICS: tuple[str, ...] = ("mean", "std", "min", "max")


def rolling_features(
    values: np.ndarray,
    window: int,
    column_names: Sequence[str],
    *,
    statistics: Sequence[str] = STATISTICS,
    quantiles: Sequence[float] = (),
) -> tuple[np.ndarray, list[str]]:
    """Trailing-window statistics of each column.

    Input is trusted (use :func:`anomalia.features.make_features` for checked
    input). Rows before the first complete window see the series extended
    backwards with its first row (see :mod:`anomalia.features.padding`).

    Parameters
    ----------
    values : ndarray of shape (n_samples, n_features)
        Finite values ordered in time.
    window : int
        Window length in rows (``>= 2``).
    column_names : sequence of str
        One name per column, used to build the feature names.
    statistics : sequence of {"mean", "std", "min", "max"}
        ``std`` is the population standard deviation (``ddof=0``).
    quantiles : sequence of float in [0, 1]
        Trailing quantiles (linear interpolation), e.g. ``(0.1, 0.5, 0.9)``.

    Returns
    -------
    features : ndarray of shape (n_samples, n_features * (len(statistics) + len(quantiles)))
    names : list of str
        ``"{column}_{statistic}_w{window}"``, e.g. ``"x0_mean_w24"``, ``"x0_q90_w24"``.
    """
    n_rows = len(values)
    rolling = pd.DataFrame(extend_past(values, window - 1)).rolling(window)
    blocks: list[np.ndarray] = []
    labels: list[str] = []
    for statistic in statistics:
        if statistic == "std":
            frame = rolling.std(ddof=0)
        else:
            frame = getattr(rolling, statistic)()
        blocks.append(frame.to_numpy()[window - 1 :])
        labels.append(statistic)
    for quantile in quantiles:
        frame = rolling.quantile(float(quantile))
        blocks.append(frame.to_numpy()[window - 1 :])
        labels.append(f"q{float(quantile) * 100:g}")
    if not blocks:
        return np.empty((n_rows, 0)), []
    features = np.concatenate(blocks, axis=1)
    names = [f"{column}_{label}_w{window}" for label in labels for column in column_names]
    return features, names


def trailing_mean(X: np.ndarray, window: int) -> np.ndarray:
    """Mean of rows ``t - window + 1 .. t`` (fewer at the start), each window summed on its own.

    Unlike pandas' running sums, a row's mean does not depend on where ``X``
    starts, so a stream scored in pieces gets exactly the batch's values.
    """
    padded = np.vstack([np.full((window - 1, X.shape[1]), np.nan), X])
    trailing = np.lib.stride_tricks.sliding_window_view(padded, window, axis=0)
    means = np.empty(X.shape)
    partial = min(window - 1, len(X))
    means[partial:] = trailing[partial:].mean(axis=2)
    means[:partial] = np.nanmean(trailing[:partial], axis=2)
    return means
