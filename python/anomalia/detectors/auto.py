"""``detector: auto``: pick a detector per series, without labels.

The criterion needs no labels: the last third of the training rows is held
out, and ``n_injected`` level shifts (from a random row of its first half to
its end, by ``magnitude`` robust standard deviations of the held-out values,
up or down at random) are injected into it one at a time. Every candidate is
fitted on the first two thirds and scores them followed by the held-out
rows, clean and with each shift. Its criterion is the probability that its
largest score within 3 rows of a shift's onset outranks the score of a row
that should not alarm: a clean held-out row, or a shifted row after those 3
(an ROC AUC). A detector that scores the *change* ranks onsets high and the
new level low; one that scores the *state* keeps alarming on the new level
and loses. The highest wins, ties going to the earlier candidate (so the
order of ``candidates`` is the preference when all do alike). The winner is
then fitted on all the training rows.

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

_MAD_TO_STD = 1.4826
#: Rows after a shift's onset where an alarm counts as finding it.
_GRACE = 3


def _rank_auc(positives: np.ndarray, negatives: np.ndarray) -> float:
    """P(a positive outranks a negative), ties counting half: the ROC AUC."""
    if not len(negatives):
        return 0.5
    above = (positives[:, None] > negatives[None, :]).mean()
    tied = (positives[:, None] == negatives[None, :]).mean()
    return float(above + 0.5 * tied)


class AutoDetector(BaseDetector):
    """The candidate that best ranks the onsets of level shifts injected into held-out rows.

    Parameters
    ----------
    candidates : sequence of str, default ("novelty", "pca", "zscore", "mad")
        Registry names tried, with their default parameters; earlier wins ties.
    n_injected : int, default 10
        Level shifts injected, one at a time, into the held-out third.
    magnitude : float, default 4.0
        Size of a shift in robust standard deviations of the held-out rows.
    random_state : int or None, default None
        Seed of the injected positions and signs.

    Attributes
    ----------
    chosen_ : str
        Registry name of the picked candidate.
    criterion_ : dict of str to float
        Each candidate's ROC AUC of shift onsets against rows that should not alarm.
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
    ):
        self.candidates = candidates
        self.n_injected = n_injected
        self.magnitude = magnitude
        self.random_state = random_state

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
        past, held_out = X[:split], X[split:]
        rows, columns, shifts = self._spikes(held_out)
        self.criterion_ = {}
        for name in names:
            candidate = make_detector(name)
            if split < candidate.min_samples():
                continue
            candidate.fit(past)
            # Scored after the rows it was fitted on, so rolling windows have their
            # context; one spike at a time, so no spike hides another (onset filters).
            normal = candidate.score(np.vstack((past, held_out)))[split:]
            onsets, after = [], [normal]
            for row, column, shift in zip(rows, columns, shifts, strict=True):
                copy = held_out.copy()
                copy[row:, column] += shift  # a level shift that persists
                scores = candidate.score(np.vstack((past, copy)))[split:]
                onsets.append(scores[row : row + _GRACE].max())
                after.append(scores[row + _GRACE :])
            self.criterion_[name] = _rank_auc(np.array(onsets), np.concatenate(after))
        self.chosen_ = max(
            self.criterion_, key=lambda name: (self.criterion_[name], -names.index(name))
        )
        chosen = make_detector(self.chosen_).fit(X)
        self.chosen_state_ = {k: v for k, v in vars(chosen).items() if k.endswith("_")}

    def _spikes(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Onset rows, columns and sizes of the level shifts to inject, one at a time."""
        rng = np.random.default_rng(self.random_state)
        count = min(self.n_injected, max(1, len(values) // 3))
        # Onsets in the first half of the held-out rows, so every shift lasts.
        rows = rng.choice(max(1, len(values) // 2), size=count, replace=len(values) // 2 < count)
        median = np.median(values, axis=0)
        spread = _MAD_TO_STD * np.median(np.abs(values - median), axis=0)
        spread = np.maximum(spread, 1e-9 * np.maximum(np.abs(values).max(axis=0), 1.0))
        columns = rng.integers(values.shape[1], size=count)
        shifts = rng.choice([-1.0, 1.0], size=count) * self.magnitude * spread[columns]
        return rows, columns, shifts

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
        return {"chosen": self.chosen_, "injected_shift_onset_auc": dict(self.criterion_)}
