"""``detector: auto``: pick a detector per series, without labels.

The criterion needs no labels. The last third of the training rows is held
out and ``n_injected`` synthetic anomalies of each kind are injected into it,
one at a time: level shifts (from a random row of its first half to its
end) and one-row spikes, of ``magnitude`` robust standard deviations of
the held-out values, up or down at random; with several value columns also
*decouplings*, a column replaced from that row on by its own values half the
held-out rows earlier (in range, out of step with the other columns). Every
candidate is fitted on the first two thirds and scores them followed by the
held-out rows, clean and with each anomaly. Its criterion is the share of
injected anomalies it finds *without a false alarm*: its largest score
within 3 rows of the onset outranks every score of a row that should not
alarm (the clean held-out rows, and the rows of that copy after those 3),
each candidate judged as it scores once picked (below: onsets
only for a detector of states). NAB and on-call rotations punish each false alarm, so ranking an
onset above most normal rows (an ROC AUC, this detector's first criterion)
is not enough: on NAB the AUC picked rolling z-scores that rank shifts well
and alarm on noise (see ``docs/nab.md``).

The first candidate is the reference: another is picked only when its
criterion beats the reference's by more than ``margin``; among the others
the highest wins, ties going to the earlier. The winner is fitted on all the
training rows. Two things make the picks' scores share a unit, so one
threshold can serve series scored by different candidates: a candidate that
scores states (every one but ``novelty``, which keeps onsets itself) keeps
only onsets (:func:`anomalia.postprocess.keep_onsets` over ``onset_window``
of the training rows), and its scores are rescaled so that its mean
response to the injected anomalies equals the reference's (a candidate
without a response, or facing a reference without one, is not picked).

What was picked and why stays on the fitted detector: ``chosen_``,
``criterion_`` (each candidate's share found without a false alarm) and
``unit_`` (the rescaling); :meth:`explain` returns them.
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
from anomalia.postprocess.onset import keep_onsets

_MAD_TO_STD = 1.4826
#: Rows after an anomaly's onset where an alarm counts as finding it.
_GRACE = 3
#: Rows of an injected spike.
_SPIKE_ROWS = 1


def _keeps_own_onsets(detector: BaseDetector) -> bool:
    """Whether a detector applies the onset rule itself (``novelty``'s ``onset_window``)."""
    return getattr(detector, "onset_window", None) is not None


class AutoDetector(BaseDetector):
    """The candidate that finds the most injected anomalies without a false alarm.

    Parameters
    ----------
    candidates : sequence of str, default ("novelty", "pca", "zscore", "mad")
        Registry names tried, with their default parameters. The first is the
        reference (see ``margin``); among the others the earlier wins ties.
    n_injected : int, default 10
        Anomalies injected of each kind, one at a time, into the held-out third.
    magnitude : float, default 3.0
        Size of a level shift or spike in robust standard deviations of the
        held-out rows.
    margin : float, default 0.4
        How much more of the injected anomalies another candidate must find
        than the reference to be picked instead. The default is the LOCO
        protocol's pick on NAB among 0.1–0.5 (``docs/nab.md``); there it keeps
        ``novelty`` on every file.
    onset_window : float, default 1/3
        Share of the training rows over which a picked candidate that scores
        states keeps only onsets (``novelty``'s own default).
    random_state : int or None, default None
        Seed of the injected positions and signs.

    Attributes
    ----------
    chosen_ : str
        Registry name of the picked candidate.
    criterion_ : dict of str to float
        Each candidate's share of injected anomalies found without a false alarm.
    unit_ : float
        Factor on the picked candidate's scores: the reference's mean
        response to the injected anomalies over the picked one's (1 for the
        reference).
    onset_rows_ : int
        Onset window in rows, 0 when the picked candidate keeps its own onsets.
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
        magnitude: float = 3.0,
        margin: float = 0.4,
        onset_window: float = 1 / 3,
        random_state: int | None = None,
    ):
        self.candidates = candidates
        self.n_injected = n_injected
        self.magnitude = magnitude
        self.margin = margin
        self.onset_window = onset_window
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

    # ------------------------------------------------------------ choosing
    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        names = self._names()
        check_integer("n_injected", self.n_injected, minimum=1)
        check_number("magnitude", self.magnitude, low=0.0, high=np.inf, low_open=True)
        check_number("margin", self.margin, low=0.0, high=1.0)
        check_number("onset_window", self.onset_window, low=0.0, high=1.0, low_open=True)
        split = (2 * len(X)) // 3
        past, held_out = X[:split], X[split:]
        copies = self._injected(held_out)
        self.criterion_, responses = {}, {}
        for name in names:
            candidate = make_detector(name)
            if split < candidate.min_samples():
                continue
            candidate.fit(past)
            self.criterion_[name], responses[name] = self._judge(candidate, past, held_out, copies)
        if not self.criterion_:
            raise ConfigError(
                f"auto: no candidate can be fitted on {split} rows; supply more training rows"
            )
        reference = next(iter(self.criterion_))
        # Another candidate's scores are put in the reference's unit by their responses
        # to the same anomalies; where either never responds there is no shared unit,
        # and the reference stays.
        lead = {
            name: value - self.margin
            for name, value in self.criterion_.items()
            if name != reference and responses[name] > 0 and responses[reference] > 0
        }
        lead[reference] = self.criterion_[reference]
        self.chosen_ = max(lead, key=lambda name: (lead[name], -names.index(name)))
        self.unit_ = (
            1.0 if self.chosen_ == reference else responses[reference] / responses[self.chosen_]
        )
        chosen = make_detector(self.chosen_).fit(X)
        own = _keeps_own_onsets(chosen)
        self.onset_rows_ = 0 if own else max(1, int(self.onset_window * len(X)))
        self.chosen_state_ = {k: v for k, v in vars(chosen).items() if k.endswith("_")}

    def _judge(
        self,
        candidate: BaseDetector,
        past: np.ndarray,
        held_out: np.ndarray,
        copies: list[tuple[int, np.ndarray]],
    ) -> tuple[float, float]:
        """Share of the injected anomalies found without a false alarm, and the mean onset score.

        The candidate is judged as it would score once picked: a detector of
        states keeps onsets only.
        """
        split = len(past)
        window = 0 if _keeps_own_onsets(candidate) else max(1, int(self.onset_window * split))

        def deployed(rows: np.ndarray) -> np.ndarray:
            # Scored after the rows it was fitted on, so rolling windows have context.
            scores = candidate.score(np.vstack((past, rows)))
            return (keep_onsets(scores, window) if window else scores)[split:]

        clean = deployed(held_out).max()
        onsets, found = [], []
        for row, copy in copies:  # one anomaly at a time, so no anomaly hides another
            scores = deployed(copy)
            onset, later = scores[row : row + _GRACE].max(), scores[row + _GRACE :]
            onsets.append(onset)
            found.append(onset > clean and (not len(later) or onset > later.max()))
        return float(np.mean(found)), float(np.mean(onsets))

    def _injected(self, values: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """(onset row, held-out copy with one anomaly) for every injected anomaly."""
        rng = np.random.default_rng(self.random_state)
        n_rows, n_columns = values.shape
        count = min(self.n_injected, max(1, n_rows // 3))
        median = np.median(values, axis=0)
        spread = _MAD_TO_STD * np.median(np.abs(values - median), axis=0)
        spread = np.maximum(spread, 1e-9 * np.maximum(np.abs(values).max(axis=0), 1.0))
        kinds = ["level_shift", "spike"] + (["decoupling"] if n_columns > 1 else [])
        copies = []
        for kind in kinds:
            # Onsets in the first half of the held-out rows, so every anomaly lasts.
            rows = rng.choice(max(1, n_rows // 2), size=count, replace=n_rows // 2 < count)
            columns = rng.integers(n_columns, size=count)
            signs = rng.choice([-1.0, 1.0], size=count)
            for row, column, sign in zip(rows, columns, signs, strict=True):
                copy = values.copy()
                if kind == "level_shift":
                    copy[row:, column] += sign * self.magnitude * spread[column]
                elif kind == "spike":
                    copy[row : row + _SPIKE_ROWS, column] += sign * self.magnitude * spread[column]
                else:
                    lag = max(1, n_rows // 2)
                    copy[row:, column] = np.roll(values[:, column], lag)[row:]
                copies.append((int(row), copy))
        return copies

    # ------------------------------------------------------------- scoring
    def _chosen(self) -> BaseDetector:
        detector = make_detector(self.chosen_)
        for key, value in self.chosen_state_.items():
            setattr(detector, key, value)
        return detector

    def _score(self, X: np.ndarray) -> np.ndarray:
        scores = self._chosen()._score(X)
        if self.onset_rows_:
            scores = keep_onsets(scores, self.onset_rows_)
        return self.unit_ * scores

    def _calibration_scores(self, X: np.ndarray, y: np.ndarray | None) -> np.ndarray:
        scores = self._chosen()._calibration_scores(X, y)
        if self.onset_rows_ and len(scores) == len(X):
            scores = keep_onsets(scores, self.onset_rows_)
        return self.unit_ * scores

    def warmup_rows(self) -> int:
        return self._chosen().warmup_rows()

    def stream_history(self) -> int | None:
        history = super().stream_history()  # refuses a candidate that is not causal
        kept = self._chosen().stream_history()
        if kept is None:
            return history
        # The onset rule at t looks at the scores of the onset window before t.
        return kept + self.onset_rows_

    def stream_start(self) -> dict[str, Any] | None:
        return None if self.onset_rows_ else self._chosen().stream_start()

    def stream_score(
        self, X: np.ndarray, state: dict[str, Any]
    ) -> tuple[np.ndarray, dict[str, Any]]:
        scores, state = self._chosen().stream_score(X, state)
        return self.unit_ * scores, state

    def explain(self) -> dict[str, Any]:
        """What was picked and why: the chosen name, each candidate's criterion, the rescaling."""
        self._check_fitted()
        return {
            "chosen": self.chosen_,
            "found without a false alarm": dict(self.criterion_),
            "unit": self.unit_,
        }
