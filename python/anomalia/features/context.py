"""Context-deviation features: how far each point strays from its own recent past.

Level features (the value, rolling means) tell a model *where* a series is;
on a seasonal or drifting series the normal level keeps moving, so a model
fitted on levels mostly learns the calendar. The features here are
scale-free deviations instead, each measured against the series' own
trailing context:

- ``z_w{w}``: ``(x[t] - mean) / std`` of the ``w`` previous points;
- ``volratio_w{w}``: std of the last ``short_window`` points (``t`` included)
  over the std of the ``w`` previous points;
- ``shift_w{w}``: mean of the last ``short_window`` points minus the mean of
  the ``w`` previous points, over their std;
- ``diffz``: the first difference over the std of the longest window's
  previous points;
- with a season length ``p``: ``seasonz_p{p}``, ``x[t] - x[t - p]``, and
  ``seasonshift_p{p}``, the same on ``short_window``-point means, both over
  the longest window's std.

Every feature at row ``t`` uses rows ``0..t`` only; the reference statistics
use rows before ``t``. Windows reaching before the first row see the series
extended backwards with its first row (:mod:`anomalia.features.padding`).

Divisions are guarded: a standard deviation is never taken below
``RELATIVE_STD_FLOOR`` times a reference scale of the column (the training
std, for a detector), so a flat stretch does not turn noise into huge
ratios, and every ratio is clipped to ``±CLIP``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from anomalia.features.padding import extend_past

#: Points in the "recent" window of the volatility ratio, mean shift and seasonal shift.
SHORT_WINDOW = 12
#: Smallest standard deviation used in a ratio, relative to the column's reference scale.
RELATIVE_STD_FLOOR = 1e-3
#: Bound on the absolute value of every ratio.
CLIP = 1e3


def context_lookback(windows: Sequence[int], season: int | None, short_window: int) -> int:
    """Rows the context features at one row span, the row itself included.

    Parameters are trusted: ``windows`` non-empty, each ``>= 2``.
    """
    spans = [short_window, *(int(window) + 1 for window in windows)]
    if season is not None:
        spans.append(int(season) + short_window)
    return int(max(spans))


def context_feature_count(n_windows: int, season: int | None) -> int:
    """Columns :func:`context_features` makes per value column."""
    return 3 * n_windows + 1 + (2 if season is not None else 0)


def reference_scale(values: np.ndarray) -> np.ndarray:
    """Standard deviation of each column, 1.0 for a constant column.

    The scale the std floor of :func:`context_features` is relative to; a
    detector computes it once on its training values.

    Parameters
    ----------
    values : ndarray of shape (n_samples, n_features)

    Returns
    -------
    ndarray of shape (n_features,)
    """
    spread = np.std(values, axis=0)
    return np.where(spread > 0, spread, 1.0)


def context_features(
    values: np.ndarray,
    windows: Sequence[int],
    column_names: Sequence[str],
    *,
    season: int | None = None,
    short_window: int = SHORT_WINDOW,
    scale: np.ndarray | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Scale-free deviations of each point from its trailing context.

    Input is trusted (use :func:`anomalia.features.make_features` for checked
    input).

    Parameters
    ----------
    values : ndarray of shape (n_samples, n_features)
        Finite values ordered in time.
    windows : sequence of int
        Reference windows (rows, each ``>= 2``, at least one); the longest
        also normalises the difference and seasonal features.
    column_names : sequence of str
        One name per column.
    season : int or None, default None
        Season length in rows (``>= 2``) for the seasonal deviations; None
        for none.
    short_window : int, default 12
        Rows of the "recent" window (``>= 2``).
    scale : ndarray of shape (n_features,), optional
        Positive reference scale of each column for the std floor, such as
        :func:`reference_scale` of training data. By default the expanding
        std of rows ``0..t`` (which keeps the features causal).

    Returns
    -------
    features : ndarray of shape (n_samples, n_features * (3 * len(windows) + 1 [+ 2]))
        Finite, within ``±CLIP``.
    names : list of str
        ``"{column}_z_w48"``, ``"{column}_volratio_w48"``,
        ``"{column}_shift_w48"``, ``"{column}_diffz"``,
        ``"{column}_seasonz_p288"``, ``"{column}_seasonshift_p288"``.
    """
    n_rows = len(values)
    windows = [int(window) for window in windows]
    pad = context_lookback(windows, season, short_window) - 1
    padded = pd.DataFrame(extend_past(values, pad))
    recent = padded.rolling(short_window)
    recent_mean = recent.mean().to_numpy()
    recent_std = recent.std(ddof=0).to_numpy()[pad:]
    if scale is None:
        floor = RELATIVE_STD_FLOOR * pd.DataFrame(values).expanding().std(ddof=0).to_numpy()
    else:
        floor = RELATIVE_STD_FLOOR * np.broadcast_to(
            np.asarray(scale, dtype=np.float64), (1, values.shape[1])
        )

    previous = padded.shift(1)
    blocks: list[np.ndarray] = []
    labels: list[str] = []
    reference_std: dict[int, np.ndarray] = {}
    for window in windows:
        rolling = previous.rolling(window)
        mean = rolling.mean().to_numpy()[pad:]
        spread = np.maximum(rolling.std(ddof=0).to_numpy()[pad:], floor)
        reference_std[window] = spread
        blocks += [
            _ratio(values - mean, spread),
            _ratio(recent_std, spread),
            _ratio(recent_mean[pad:] - mean, spread),
        ]
        labels += [f"z_w{window}", f"volratio_w{window}", f"shift_w{window}"]
    long_std = reference_std[max(windows)]
    blocks.append(_ratio(padded.diff().to_numpy()[pad:], long_std))
    labels.append("diffz")
    if season is not None:
        lagged = padded.to_numpy()[pad - season : pad - season + n_rows]
        lagged_mean = recent_mean[pad - season : pad - season + n_rows]
        blocks += [
            _ratio(values - lagged, long_std),
            _ratio(recent_mean[pad:] - lagged_mean, long_std),
        ]
        labels += [f"seasonz_p{season}", f"seasonshift_p{season}"]
    return np.concatenate(blocks, axis=1), _names(labels, column_names)


def _names(labels: list[str], column_names: Sequence[str]) -> list[str]:
    return [f"{column}_{label}" for label in labels for column in column_names]


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator``, 0 where the denominator is 0, clipped to ``±CLIP``.

    A zero denominator means every row so far was equal (the floor is zero
    only then), so the numerator is zero too.
    """
    out = np.zeros(np.broadcast_shapes(numerator.shape, denominator.shape))
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return np.clip(out, -CLIP, CLIP, out=out)
