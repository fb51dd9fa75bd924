"""``detector: auto``: pick a detector per series, without labels.

The criterion needs no labels: the last third of the training rows is held
out, spikes are injected into a copy of it (``n_injected`` rows, each moved
by ``magnitude`` robust standard deviations of the held-out values, up or
down at random), every candidate is fitted on the first two thirds and
scores them followed by the copy, and the candidate that ranks the injected rows highest
(ROC AUC of the injected rows against the others) wins; ties go to the
earlier candidate. The winner is then fitted on all the training rows.

What was picked and why stays on the fitted detector: ``chosen_`` and
``criterion_`` (each candidate's AUC).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from anomalia.detectors.base import BaseDetector
from anomalia.detectors.params import check_integer, check_number
from anomalia.detectors.registry import make_detector
from anomalia.exceptions import ConfigError
from anomalia.metrics import roc_auc

_MAD_TO_STD = 1.4826


class AutoDetector(BaseDetector):
    """The candidate that best ranks spikes injected into held-out training rows.

    Parameters
    ----------
    candidates : sequence of str, default ("novelty", "pca", "zscore", "mad")
        Registry names tried, with their default parameters; earlier wins ties.
    n_injected : int, default 10
        Spikes injected into the held-out third.
    magnitude : float, default 4.0
        Size of a spike in robust standard deviations of the held-out rows.
    random_state : int or None, default None
        Seed of the injected positions and signs.
    contamination : float, default 0.01
        Expected share of anomalies; sets ``threshold_``.

    Attributes
    ----------
    chosen_ : str
        Registry name of the picked candidate.
    criterion_ : dict of str to float
        ROC AUC of the injected rows for each candidate.
    chosen_state_ : dict
        Fitted state of the picked candidate (its attributes ending in ``_``).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.sin(np.arange(900) / 10) + 0.1 * np.random.default_rng(0).normal(size=900)
    >>> detector = AutoDetector(random_state=0).fit(x[:600])
    >>> detector.chosen_ in detector.candidates
    True
    """

    name = "auto"

    def __init__(
        self,
        *,
        candidates: Sequence[str] = ("novelty", "pca", "zscore", "mad"),
        n_injected: int = 10,
        magnitude: float = 4.0,
        random_state: int | None = None,
        contamination: float = 0.01,
    ):
        self.candidates = candidates
        self.n_injected = n_injected
        self.magnitude = magnitude
        self.random_state = random_state
        self.contamination = contamination

    @property
    def causal(self) -> bool:  # type: ignore[override]
        """Causal when every candidate is: only the choice uses the training rows."""
        return all(make_detector(name).causal for name in self._names())

    def _names(self) -> list[str]:
        if isinstance(self.candidates, (str, bytes)) or not len(self.candidates):
            raise ConfigError(
                f"`candidates` must name at least one detector, got {self.candidates!r}"
            )
        for name in self.candidates:
            if name == self.name:
                raise ConfigError("`candidates` cannot hold `auto` itself")
            if make_detector(name).requires_labels:
                raise ConfigError(f"`candidates`: `{name}` needs labels; auto has none")
        return list(self.candidates)

    def min_samples(self) -> int:
        needed = max(make_detector(name).min_samples() for name in self._names())
        return max(math.ceil(1.5 * needed), needed + 3 * self.n_injected)

    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        names = self._names()
        check_integer("n_injected", self.n_injected, minimum=1)
        check_number("magnitude", self.magnitude, low=0.0, high=np.inf, low_open=True)
        split = (2 * len(X)) // 3
        held_out = X[split:]
        injected, labels = self._inject(held_out)
        self.criterion_ = {}
        for name in names:
            candidate = make_detector(name)
            if split < candidate.min_samples():
                continue
            # Scored after the rows it was fitted on, so rolling windows have their context.
            scores = candidate.fit(X[:split]).score(np.vstack((X[:split], injected)))[split:]
            self.criterion_[name] = float(roc_auc(labels, scores))
        self.chosen_ = max(
            self.criterion_, key=lambda name: (self.criterion_[name], -names.index(name))
        )
        chosen = make_detector(self.chosen_).fit(X)
        self.chosen_state_ = {k: v for k, v in vars(chosen).items() if k.endswith("_")}

    def _inject(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(self.random_state)
        count = min(self.n_injected, max(1, len(values) // 3))
        rows = rng.choice(len(values), size=count, replace=False)
        median = np.median(values, axis=0)
        spread = _MAD_TO_STD * np.median(np.abs(values - median), axis=0)
        spread = np.maximum(spread, 1e-9 * np.maximum(np.abs(values).max(axis=0), 1.0))
        column = rng.integers(values.shape[1], size=count)
        injected = values.copy()
        signs = rng.choice([-1.0, 1.0], size=count)
        injected[rows, column] += signs * self.magnitude * spread[column]
        labels = np.zeros(len(values), dtype=np.int8)
        labels[rows] = 1
        return injected, labels

    def _chosen(self) -> BaseDetector:
        detector = make_detector(self.chosen_)
        for key, value in self.chosen_state_.items():
            setattr(detector, key, value)
        return detector

    def _score(self, X: np.ndarray) -> np.ndarray:
        return self._chosen()._score(X)

    def _calibration_scores(self, X: np.ndarray, y: np.ndarray | None) -> np.ndarray:
        return self._chosen()._calibration_scores(X, y)

    def explain(self) -> dict[str, Any]:
        """What was picked and why: the chosen name and each candidate's AUC."""
        self._check_fitted()
        return {"chosen": self.chosen_, "injected_spike_auc": dict(self.criterion_)}
