"""Nonparametric dynamic threshold on smoothed errors.

Hundman, Constantinou, Laporte, Colwell and Soderstrom, "Detecting spacecraft
anomalies using LSTMs and nonparametric dynamic thresholding", KDD 2018,
section 3.2. The scores (typically prediction errors) are smoothed with an
exponentially weighted moving average; in each window of the smoothed
scores ``e_s`` the threshold is the ``epsilon = mean(e_s) + z * std(e_s)``
whose removal of the points above it best reduces the window's mean and
spread, per anomalous point and sequence:

    argmax_z (dmean / mean + dstd / std) / (n_above + n_sequences ** 2)

where ``dmean`` and ``dstd`` are the drops in mean and standard deviation
when the points above ``epsilon`` are left out, ``n_above`` counts those
points and ``n_sequences`` their contiguous runs.

Pruning (section 3.3) then drops the weakest sequences: the maxima of the
sequences and the largest normal value are sorted in decreasing order, and
the sequences after the last relative decrease of at least ``min_decrease``
are reclassified as normal. Here that is done in threshold space, by raising
epsilon to the largest pruned maximum, so that it stays one threshold per
point (points of a kept sequence below that value are no longer flagged).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from anomalia.exceptions import ConfigError
from anomalia.preprocess.windows import sliding_windows, windows_to_points
from anomalia.thresholds.base import BaseThreshold, check_integer, check_number

# Upper bound on window x z x point cells evaluated at once, to cap memory.
_CELLS_PER_CHUNK = 1 << 22


class DynamicThreshold(BaseThreshold):
    """Per-window threshold chosen on exponentially smoothed scores.

    ``thresholds(scores)`` smooths the scores, cuts them into windows of
    ``window`` points every ``step`` points, picks each window's epsilon
    (see the module docstring; ``z`` runs over ``z_range`` in steps of
    ``z_step``; a window where no ``z`` leaves any point above epsilon gets
    the largest ``z``), prunes weak sequences by raising it, and gives each
    timestamp the lowest epsilon of the windows covering it, so a point is
    flagged when any of its windows flags it, as the paper does with
    overlapping batches. Epsilon applies to the smoothed scores (see
    :meth:`smooth`); ``thresholds`` reports it on the raw scale,
    ``epsilon + score - smoothed``, so that ``score > threshold`` holds exactly
    where the smoothed score exceeds epsilon, as the scores contract requires.
    Scores shorter than ``window`` form a single window.

    The method is unsupervised and judges each batch of scores on its own:
    ``fit`` only checks the parameters and the training scores and records
    their number. The false-positive mitigation from labelled history
    (paper, section 3.3) is not included.

    Scores are expected to be non-negative errors: the criterion divides by
    the window mean.

    Parameters
    ----------
    window : int, default 250
        Points per window, at least 2.
    step : int, optional
        Points between window starts, from 1 to ``window``; default
        ``window // 2``.
    smoothing : int, default 30
        Span of the exponentially weighted moving average, in points
        (``alpha = 2 / (smoothing + 1)``); 1 means no smoothing.
    z_range : tuple of two floats, default (2.0, 10.0)
        Smallest and largest number of standard deviations tried.
    z_step : float, default 0.5
        Spacing of the ``z`` values tried.
    min_decrease : float, default 0.13
        Pruning: smallest relative drop between consecutive sorted sequence
        maxima that separates anomalies from normal variation, in [0, 1);
        0 keeps every sequence (no pruning). The paper's default is 0.13.

    Attributes
    ----------
    n_train_ : int
        Number of training scores given to ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> errors = np.abs(np.random.default_rng(0).normal(size=1000))
    >>> errors[600:620] += 6.0
    >>> flags = DynamicThreshold(window=400, smoothing=5).fit(errors).flag(errors)
    >>> bool(flags[600:620].mean() > 0.8), int(flags[:590].sum())
    (True, 0)
    """

    name = "dynamic"
    # Each batch is judged on its own windows: fed in pieces, the answer changes.
    chunkable = False

    def __init__(
        self,
        *,
        window: int = 250,
        step: int | None = None,
        smoothing: int = 30,
        z_range: tuple[float, float] = (2.0, 10.0),
        z_step: float = 0.5,
        min_decrease: float = 0.13,
    ):
        self.window = window
        self.step = step
        self.smoothing = smoothing
        self.z_range = z_range
        self.z_step = z_step
        self.min_decrease = min_decrease

    def validate_params(self) -> None:
        check_integer("window", self.window, minimum=2)
        if self.step is not None:
            check_integer("step", self.step, minimum=1)
            if self.step > self.window:
                raise ConfigError(
                    f"`step` ({self.step}) must not exceed `window` ({self.window}), "
                    "or some points would be in no window"
                )
        check_integer("smoothing", self.smoothing, minimum=1)
        check_number("z_step", self.z_step, low=0.0)
        if not (isinstance(self.z_range, tuple | list) and len(self.z_range) == 2):
            raise ConfigError(
                f"`z_range` must be a pair (low, high) with 0 <= low <= high, got {self.z_range!r}"
            )
        low, high = self.z_range
        check_number("z_range[0]", low, low=0.0, closed="left")
        check_number("z_range[1]", high, low=low, closed="left")
        check_number("min_decrease", self.min_decrease, low=0.0, high=1.0, closed="left")

    def smooth(self, scores: np.ndarray) -> np.ndarray:
        """Exponentially weighted moving average of ``scores`` (span ``smoothing``)."""
        return pd.Series(scores).ewm(span=self.smoothing).mean().to_numpy()

    def _current_level(self, state: dict) -> float:
        # Nothing to judge without a batch of scores: no score passes.
        return float("inf")

    def _fit(self, scores: np.ndarray) -> None:
        # Each batch of scores is judged on its own windows: nothing to learn.
        pass

    def _thresholds(self, scores: np.ndarray) -> np.ndarray:
        if scores.size == 0:
            return np.empty(0)
        smoothed = self.smooth(scores)
        if scores.size < 2:
            return scores.copy()
        window = min(self.window, smoothed.size)
        step = max(window // 2, 1) if self.step is None else min(self.step, window)
        windows = sliding_windows(smoothed, window, step)[:, :, 0]
        low, high = self.z_range
        z_values = np.arange(low, high + self.z_step / 2, self.z_step)
        chunk = max(_CELLS_PER_CHUNK // (z_values.size * window), 1)
        parts = [windows[start : start + chunk] for start in range(0, windows.shape[0], chunk)]
        epsilons = np.concatenate(
            [_pruned(part, _best_epsilons(part, z_values), self.min_decrease) for part in parts]
        )
        epsilon = windows_to_points(epsilons, smoothed.size, window, step, how="min")
        return epsilon + (scores - smoothed)


def _best_epsilons(windows: np.ndarray, z_values: np.ndarray) -> np.ndarray:
    """Epsilon maximising the Hundman et al. criterion for each window.

    Evaluates every (window, z) pair at once on arrays of shape
    (n_windows, n_z, window).
    """
    mean = windows.mean(axis=1, keepdims=True)
    std = windows.std(axis=1, keepdims=True)
    centred = windows - mean  # sums of centred values keep the variances accurate
    epsilons = mean + z_values * std  # (n_windows, n_z)
    above = windows[:, np.newaxis, :] > epsilons[:, :, np.newaxis]
    below = ~above
    n_above = above.sum(axis=2)
    n_below = windows.shape[1] - n_above
    n_sequences = above[:, :, 0] + (above[:, :, 1:] & below[:, :, :-1]).sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        below_mean = np.einsum("wzp,wp->wz", below, centred) / n_below
        below_var = np.einsum("wzp,wp->wz", below, centred**2) / n_below - below_mean**2
        mean_drop = -below_mean / np.abs(mean)
        std_drop = (std - np.sqrt(np.clip(below_var, 0.0, None))) / std
        criterion = (mean_drop + std_drop) / (n_above + n_sequences**2)
    criterion[(n_above == 0) | (n_below == 0) | ~np.isfinite(criterion)] = -np.inf
    best = np.argmax(criterion, axis=1)
    chosen = epsilons[np.arange(windows.shape[0]), best]
    nothing_above = ~np.isfinite(criterion).any(axis=1)
    return np.where(nothing_above, epsilons[:, -1], chosen)


def _pruned(windows: np.ndarray, epsilons: np.ndarray, min_decrease: float) -> np.ndarray:
    """Raise each window's epsilon above the sequences that pruning drops.

    All windows are handled together: the runs above epsilon are found on
    the flattened windows, and their maxima are sorted within each window.
    """
    n_windows, width = windows.shape
    above = windows > epsilons[:, np.newaxis]
    flat_above = above.ravel()
    run_start = np.r_[True, flat_above[1:] != flat_above[:-1]]
    run_start[::width] = True  # runs never cross windows
    starts = np.flatnonzero(run_start)
    anomalous = flat_above[starts]
    run_maxima = np.maximum.reduceat(windows.ravel(), starts)[anomalous]
    normal_maxima = np.where(above, -np.inf, windows).max(axis=1)

    maxima = np.r_[run_maxima, normal_maxima]
    owner = np.r_[starts[anomalous] // width, np.arange(n_windows)]
    is_normal = np.r_[np.zeros(run_maxima.size, dtype=bool), np.ones(n_windows, dtype=bool)]
    order = np.lexsort((-maxima, owner))  # by window, largest maximum first
    maxima, owner, is_normal = maxima[order], owner[order], is_normal[order]

    same_window = owner[1:] == owner[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        drop = np.r_[np.where(same_window, (maxima[:-1] - maxima[1:]) / maxima[:-1], 0.0), 0.0]
    group_starts = np.flatnonzero(np.r_[True, ~same_window])
    rank = np.arange(maxima.size) - np.repeat(
        group_starts, np.diff(np.r_[group_starts, maxima.size])
    )
    decisive = (drop >= min_decrease) & ~is_normal
    last_kept = np.maximum.reduceat(np.where(decisive, rank, -1), group_starts)
    # The first dropped maximum (or the normal maximum, if none is dropped).
    cutoff = maxima[group_starts + last_kept + 1]
    return np.maximum(epsilons, cutoff)
