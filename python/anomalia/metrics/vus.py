"""Volume Under the Surface (Paparrizos et al., VLDB 2022): VUS-ROC and VUS-PR.

Range-AUC softens the labels around each true event and rewards finding
events, so that a detection just before or after an anomaly is not a plain
false positive. VUS averages range-AUC over buffer lengths, removing the
choice of one buffer. Choices made here, from the paper's description:

* **Soft labels.** For buffer length ``l``, a point at distance ``d`` from
  the nearest true event (``1 <= d <= l``, on either side) gets label
  ``sqrt(1 - d / (l + 1))``; event points get 1 and farther points 0. Where
  buffers of two events meet, the nearer event's (larger) weight is kept.
  ``l = 0`` gives the plain labels.
* **Range-based rates** at each threshold, with ``L`` the soft labels,
  ``|y|`` the number of labelled points and ``pred`` the detections
  (``score >= threshold``): ``TP = L . pred``, ``FP = (1 - L) . pred``,
  ``P = (|y| + sum(L)) / 2``, ``N = n - P``;
  ``TPR = recall = min(TP / P, 1) * existence``, ``FPR = FP / N``,
  ``precision = TP / (TP + FP)``. ``existence`` is the share of true events
  with at least one detection inside the event or its buffer.
* **Curves.** ``n_thresholds`` quantiles of the scores (distinct values only)
  serve as thresholds. The ROC curve runs from (0, 0) to (1, 1) and is
  integrated with the trapezoidal rule; the PR curve is integrated step-wise
  as average precision (``sum (R_k - R_{k-1}) P_k``, from recall 0).
* **Surface.** VUS is the mean range-AUC over ``l = 0 .. max_buffer``;
  ``max_buffer`` defaults to twice the median true-event length. When that
  gives more than ``max_n_buffers`` lengths, an evenly spaced subset of
  ``max_n_buffers`` integers from 0 to ``max_buffer`` is used.

All thresholds and buffer lengths are handled with array operations (a
histogram of points by distance and threshold, multiplied by a weight
matrix), so 100k points take well under a second.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from anomalia.exceptions import ConfigError
from anomalia.metrics._validation import (
    check_labels,
    check_non_negative_int,
    check_same_length,
    check_scores,
)
from anomalia.metrics.events import runs

#: Default number of score quantiles used as thresholds.
DEFAULT_N_THRESHOLDS = 250
#: Default cap on the number of buffer lengths evaluated.
DEFAULT_MAX_N_BUFFERS = 256


class VolumeUnderSurface(NamedTuple):
    """VUS-ROC and VUS-PR of one series.

    Attributes
    ----------
    roc : float
        Mean range-ROC-AUC over buffer lengths; nan without true events or
        when every point is labelled anomalous.
    pr : float
        Mean range-PR-AUC over buffer lengths; nan without true events.
    """

    roc: float
    pr: float


def _distance_to_events(y_true: np.ndarray) -> np.ndarray:
    """Distance of each point to the nearest labelled point (0 on events)."""
    n = len(y_true)
    index = np.arange(n)
    far = 2 * n + 1
    previous = np.maximum.accumulate(np.where(y_true, index, -far))
    following = np.minimum.accumulate(np.where(y_true, index, far)[::-1])[::-1]
    return np.minimum(index - previous, following - index)


def _range_max(values: np.ndarray, lows: np.ndarray, highs: np.ndarray) -> np.ndarray:
    """Max of ``values[low:high + 1]`` for each pair, via a sparse table."""
    levels = [values]
    width = 1
    while 2 * width <= len(values):
        levels.append(np.maximum(levels[-1][:-width], levels[-1][width:]))
        width *= 2
    level = np.floor(np.log2(highs - lows + 1)).astype(np.int64)
    result = np.empty(lows.shape, dtype=np.float64)
    for k, table in enumerate(levels):
        mask = level == k
        span = 1 << k
        result[mask] = np.maximum(table[lows[mask]], table[highs[mask] - span + 1])
    return result


def _count_above(bins: np.ndarray, n_thresholds: int) -> np.ndarray:
    """Per row, the number of entries detected at each threshold index.

    ``bins`` holds, per entry, how many thresholds it reaches (0..T); an
    entry is detected at threshold index ``t`` when ``t < bin``.
    """
    rows = bins.shape[0]
    flat = (np.arange(rows)[:, None] * (n_thresholds + 1) + bins).ravel()
    histogram = np.bincount(flat, minlength=rows * (n_thresholds + 1))
    histogram = histogram.reshape(rows, n_thresholds + 1)
    at_least = np.cumsum(histogram[:, ::-1], axis=1)[:, ::-1]
    return at_least[:, 1:].astype(np.float64)


def _buffer_lengths(max_buffer: int, max_n_buffers: int) -> np.ndarray:
    if max_buffer + 1 <= max_n_buffers:
        return np.arange(max_buffer + 1)
    return np.unique(np.round(np.linspace(0, max_buffer, max_n_buffers)).astype(np.int64))


def _vus(
    y_true: np.ndarray,
    scores: np.ndarray,
    max_buffer: int | None,
    n_thresholds: int,
    max_n_buffers: int,
) -> VolumeUnderSurface:
    starts, ends = runs(y_true)
    if len(starts) == 0:
        return VolumeUnderSurface(float("nan"), float("nan"))
    n = len(y_true)
    if max_buffer is None:
        max_buffer = int(round(2 * np.median(ends - starts + 1)))
    lengths = _buffer_lengths(max_buffer, max_n_buffers)

    thresholds = np.unique(np.quantile(scores, np.linspace(0, 1, n_thresholds)))
    n_levels = len(thresholds)
    reached = np.searchsorted(thresholds, scores, side="right")
    n_detected = _count_above(reached[None, :], n_levels)[0]

    # Points by (distance to events, thresholds reached); far points carry no
    # weight, and no point is farther than the series' largest distance.
    distance = _distance_to_events(y_true)
    max_distance = min(max_buffer, int(distance.max()))
    near = distance <= max_distance
    flat = distance[near] * (n_levels + 1) + reached[near]
    histogram = np.bincount(flat, minlength=(max_distance + 1) * (n_levels + 1))
    histogram = histogram.reshape(max_distance + 1, n_levels + 1)
    detected_by_distance = np.cumsum(histogram[:, ::-1], axis=1)[:, ::-1][:, 1:]
    points_by_distance = histogram.sum(axis=1)

    d = np.arange(max_distance + 1)[None, :]
    buffer = lengths[:, None]
    weights = np.where(d <= buffer, np.sqrt(np.clip(1 - d / (buffer + 1), 0, None)), 0.0)

    true_positives = weights @ detected_by_distance  # (buffers, thresholds)
    false_positives = n_detected[None, :] - true_positives
    positives = (points_by_distance[0] + weights @ points_by_distance) / 2
    negatives = n - positives

    # Existence: is each event's buffered span reached at each threshold?
    lows = np.clip(starts[None, :] - buffer, 0, None)
    highs = np.clip(ends[None, :] + buffer, None, n - 1)
    span_max = _range_max(scores, lows.ravel(), highs.ravel()).reshape(lows.shape)
    span_reached = np.searchsorted(thresholds, span_max, side="right")
    existence = _count_above(span_reached, n_levels) / len(starts)

    recall = np.minimum(true_positives / positives[:, None], 1.0) * existence
    precision = true_positives / n_detected[None, :]
    # Thresholds from high to low, so the curves run from few to many detections.
    recall, precision = recall[:, ::-1], precision[:, ::-1]
    rows = len(lengths)
    recall_steps = np.diff(np.hstack((np.zeros((rows, 1)), recall)), axis=1)
    pr_surface = float(np.mean(np.sum(recall_steps * precision, axis=1)))

    if np.any(negatives <= 0):
        return VolumeUnderSurface(float("nan"), pr_surface)
    fpr = (false_positives / negatives[:, None])[:, ::-1]
    x = np.hstack((np.zeros((rows, 1)), fpr, np.ones((rows, 1))))
    y = np.hstack((np.zeros((rows, 1)), recall, np.ones((rows, 1))))
    areas = np.sum(np.diff(x, axis=1) * (y[:, 1:] + y[:, :-1]) / 2, axis=1)
    return VolumeUnderSurface(float(np.mean(areas)), pr_surface)


def vus(
    y_true: ArrayLike,
    scores: ArrayLike,
    *,
    max_buffer: int | None = None,
    n_thresholds: int = DEFAULT_N_THRESHOLDS,
    max_n_buffers: int = DEFAULT_MAX_N_BUFFERS,
) -> VolumeUnderSurface:
    """VUS-ROC and VUS-PR: range-AUC averaged over buffer lengths.

    See the module docstring for the exact definitions.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Ground-truth labels, 1 for anomalous time steps.
    scores : array-like of shape (n,)
        Anomaly scores, higher meaning more anomalous.
    max_buffer : int or None, default None
        Largest buffer length ``l`` (points on each side of an event). None
        means twice the median length of the true events.
    n_thresholds : int, default 250
        Number of score quantiles used as thresholds.
    max_n_buffers : int, default 256
        Most buffer lengths evaluated; beyond it an evenly spaced subset is used.

    Returns
    -------
    VolumeUnderSurface
        ``roc`` and ``pr`` in [0, 1]; nan as documented on the class.

    Raises
    ------
    DataError
        If the arrays differ in length, labels are not 0/1 or scores are not finite.
    ConfigError
        If ``max_buffer`` is negative or ``n_thresholds``/``max_n_buffers`` is below 2.
    """
    true = check_labels(y_true, "y_true")
    values = check_scores(scores)
    check_same_length(y_true=true, scores=values)
    if max_buffer is not None:
        max_buffer = check_non_negative_int(max_buffer, "max_buffer")
    for name, value in (("n_thresholds", n_thresholds), ("max_n_buffers", max_n_buffers)):
        if check_non_negative_int(value, name) < 2:
            raise ConfigError(f"`{name}` must be an integer ≥ 2, got {value!r}")
    return _vus(true, values, max_buffer, n_thresholds, max_n_buffers)


def vus_roc(
    y_true: ArrayLike,
    scores: ArrayLike,
    *,
    max_buffer: int | None = None,
    n_thresholds: int = DEFAULT_N_THRESHOLDS,
    max_n_buffers: int = DEFAULT_MAX_N_BUFFERS,
) -> float:
    """VUS-ROC; parameters as in :func:`vus`, which computes both surfaces at once."""
    surface = vus(
        y_true,
        scores,
        max_buffer=max_buffer,
        n_thresholds=n_thresholds,
        max_n_buffers=max_n_buffers,
    )
    return surface.roc


def vus_pr(
    y_true: ArrayLike,
    scores: ArrayLike,
    *,
    max_buffer: int | None = None,
    n_thresholds: int = DEFAULT_N_THRESHOLDS,
    max_n_buffers: int = DEFAULT_MAX_N_BUFFERS,
) -> float:
    """VUS-PR; parameters as in :func:`vus`, which computes both surfaces at once."""
    surface = vus(
        y_true,
        scores,
        max_buffer=max_buffer,
        n_thresholds=n_thresholds,
        max_n_buffers=max_n_buffers,
    )
    return surface.pr
