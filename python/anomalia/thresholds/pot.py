"""Peaks-over-threshold thresholds from extreme value theory.

Siffer, Fouque, Termier and Largouet, "Anomaly detection in streams with
extreme value theory", KDD 2017. Instead of guessing a contamination, the
user sets a ``risk``: the probability that a normal score exceeds the
threshold. The threshold is extrapolated from a generalised Pareto model of
the largest training scores (see :mod:`anomalia.thresholds.pareto`).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from anomalia.exceptions import ConfigError
from anomalia.thresholds.base import BaseThreshold, check_integer, check_number
from anomalia.thresholds.pareto import MIN_PEAKS_FOR_SHAPE, fit_pareto, tail_quantile


class PeaksOverThreshold(BaseThreshold):
    """Static threshold at the ``1 - risk`` quantile of a Pareto tail model (POT).

    ``fit`` sets the initial threshold ``t`` at the ``initial_quantile`` of
    the training scores, fits a generalised Pareto distribution to the
    excesses over ``t`` and extrapolates the score ``z`` exceeded with
    probability ``risk``. With fewer than 10 excesses the tail is modelled as
    exponential (with a warning); with none, ``z = t``.

    Parameters
    ----------
    risk : float, default 1e-4
        Probability that a normal score exceeds the threshold, in
        (0, 1 - initial_quantile).
    initial_quantile : float, default 0.98
        Quantile of the training scores above which scores count as peaks,
        in (0, 1).

    Attributes
    ----------
    initial_threshold_ : float
        ``t``, the ``initial_quantile`` of the training scores.
    shape_ : float
        Fitted GPD shape ``gamma`` (0: exponential tail).
    scale_ : float
        Fitted GPD scale ``sigma``.
    n_peaks_ : int
        Number of training scores above ``t``.
    threshold_ : float
        ``z``, the flagging threshold.

    Examples
    --------
    >>> import numpy as np
    >>> scores = np.random.default_rng(0).exponential(size=20_000)
    >>> threshold = PeaksOverThreshold(risk=1e-3).fit(scores)
    >>> round(threshold.threshold_, 1)  # exact: -log(1e-3) = 6.9
    6.9
    """

    name = "pot"

    def __init__(self, *, risk: float = 1e-4, initial_quantile: float = 0.98):
        self.risk = risk
        self.initial_quantile = initial_quantile

    def validate_params(self) -> None:
        check_number("initial_quantile", self.initial_quantile, low=0.0, high=1.0)
        check_number("risk", self.risk, low=0.0, high=1.0)
        if self.risk >= 1.0 - self.initial_quantile:
            raise ConfigError(
                f"`risk` ({self.risk}) must be below 1 - initial_quantile "
                f"({1.0 - self.initial_quantile:.6g}), or the threshold falls inside the "
                "bulk of the scores; lower `risk` or `initial_quantile`"
            )

    def _fit(self, scores: np.ndarray) -> None:
        initial = float(np.quantile(scores, self.initial_quantile))
        excesses = scores[scores > initial] - initial
        if excesses.size < MIN_PEAKS_FOR_SHAPE:
            warnings.warn(
                f"{type(self).__name__}: only {excesses.size} training score(s) exceed the "
                f"initial threshold, too few to fit the tail shape; it is taken as "
                "exponential. Fit on more scores or lower `initial_quantile`.",
                stacklevel=3,
            )
        self.initial_threshold_ = initial
        self.shape_, self.scale_ = fit_pareto(excesses)
        self.n_peaks_ = int(excesses.size)
        self.threshold_ = tail_quantile(
            initial,
            self.shape_,
            self.scale_,
            risk=self.risk,
            n_observations=scores.size,
            n_peaks=self.n_peaks_,
        )
        self._keep_peaks(excesses, scores.size)

    def _keep_peaks(self, excesses: np.ndarray, n_observations: int) -> None:
        """Hook for the streaming variant, which keeps the peaks it refits on."""

    def _thresholds(self, scores: np.ndarray) -> np.ndarray:
        return np.full(scores.size, self.threshold_)


class StreamingPOT(PeaksOverThreshold):
    """Peaks-over-threshold that keeps learning as scores stream in (SPOT).

    ``fit`` calibrates as :class:`PeaksOverThreshold`. :meth:`advance` then
    walks new scores in time order, as SPOT does (Siffer et al., algorithm
    2): a score above the current ``z`` is an anomaly and leaves the model
    alone; a score between ``t`` and ``z`` is a new peak, which is added to
    the model, and ``z`` is recomputed; other scores only count as
    observations. The initial threshold ``t`` stays fixed. The model after
    the walk is returned as the new running state; the fitted attributes
    keep their values from ``fit``, so ``thresholds`` on the same scores
    always gives the same answer (``advance`` continues a stream).

    ``z`` changes only at peaks, so the walk loops over the scores above
    ``t`` (found at once with numpy, typically a few percent of points), not
    over every point. To keep it fast, the Pareto shape and scale are refit
    only every ``refit_every`` peaks; in between, ``z`` is recomputed from
    the current peak and observation counts.

    Parameters
    ----------
    risk : float, default 1e-4
        Probability that a normal score exceeds the threshold.
    initial_quantile : float, default 0.98
        Quantile of the training scores above which scores count as peaks.
    refit_every : int, default 10
        Refit the Pareto model after this many new peaks (1 refits at every
        peak, as in the paper).

    Attributes
    ----------
    initial_threshold_, shape_, scale_, n_peaks_, threshold_
        As in :class:`PeaksOverThreshold`; ``threshold_`` is the ``z`` in
        force for the first score after the training ones.
    peaks_ : ndarray of shape (n_peaks_,)
        Excesses over ``t`` of the training peaks.
    n_observations_ : int
        Training scores.

    The running state holds ``threshold``, ``shape``, ``scale``, ``peaks``,
    ``n_observations`` (anomalies excluded) and ``peaks_since_refit``.
    """

    name = "spot"

    def __init__(
        self, *, risk: float = 1e-4, initial_quantile: float = 0.98, refit_every: int = 10
    ):
        super().__init__(risk=risk, initial_quantile=initial_quantile)
        self.refit_every = refit_every

    def validate_params(self) -> None:
        super().validate_params()
        check_integer("refit_every", self.refit_every, minimum=1)

    def _keep_peaks(self, excesses: np.ndarray, n_observations: int) -> None:
        self.peaks_ = excesses.copy()
        self.n_observations_ = int(n_observations)

    def _initial_state(self) -> dict[str, Any]:
        return {
            "threshold": float(self.threshold_),
            "shape": float(self.shape_),
            "scale": float(self.scale_),
            "peaks": self.peaks_.copy(),
            "n_observations": int(self.n_observations_),
            "peaks_since_refit": 0,
        }

    def _advance(self, scores: np.ndarray, state: dict[str, Any]) -> tuple[np.ndarray, dict]:
        initial = self.initial_threshold_
        z, shape, scale = state["threshold"], state["shape"], state["scale"]
        old_peaks = np.asarray(state["peaks"], dtype=np.float64)
        n_peaks, since_refit = old_peaks.size, int(state["peaks_since_refit"])
        n_observations = int(state["n_observations"])
        candidates = np.flatnonzero(scores > initial)
        peaks = np.concatenate([old_peaks, np.empty(candidates.size)])
        limits = np.empty(scores.size)
        n_anomalies = 0
        done = 0
        for position in candidates:
            # z holds for every score up to and including this one.
            limits[done : position + 1] = z
            done = position + 1
            score = scores[position]
            if score > z:
                n_anomalies += 1
                continue
            peaks[n_peaks] = score - initial
            n_peaks += 1
            since_refit += 1
            if since_refit >= self.refit_every:
                shape, scale = fit_pareto(peaks[:n_peaks])
                since_refit = 0
            z = tail_quantile(
                initial,
                shape,
                scale,
                risk=self.risk,
                n_observations=n_observations + position + 1 - n_anomalies,
                n_peaks=n_peaks,
            )
        limits[done:] = z
        new_state = {
            "threshold": float(z),
            "shape": float(shape),
            "scale": float(scale),
            "peaks": peaks[:n_peaks],
            "n_observations": n_observations + scores.size - n_anomalies,
            "peaks_since_refit": since_refit,
        }
        return limits, new_state
