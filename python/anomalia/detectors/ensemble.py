"""Ensembles: several detectors' scores, put on one scale, combined into one.

Member scores live on unrelated scales (a z-score, an isolation depth, a
LOF ratio), so each is first normalised with statistics of its own training
scores, which keeps the ensemble causal when its members are:

* ``"rank"``: the member's empirical CDF of training scores, in [0, 1]
  (:meth:`~anomalia.detectors.base.BaseDetector.calibrate`);
* ``"robust_z"``: ``(score - median) / (1.4826 * MAD)`` of the training scores.

Then :class:`EnsembleDetector` combines them by weighted ``"mean"``, ``"max"``
or weighted ``"vote"`` (the weighted share of members whose score is above
``vote_quantile`` of their training scores), and :class:`StackedEnsemble` learns
the combination from labels with a logistic regression (stacking, Wolpert 1992).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from anomalia.detectors.base import BaseDetector
from anomalia.detectors.params import check_choice
from anomalia.exceptions import ConfigError

NORMALISATIONS = ("rank", "robust_z")
COMBINATIONS = ("mean", "max", "vote")

_MAD_TO_STD = 1.4826
MemberSpec = str | Mapping[str, Any] | Sequence[Any]


def parse_members(members: object) -> list[tuple[str, dict[str, Any]]]:
    """Read member specs: ``"name"``, ``{"name": ..., "params": {...}}`` or ``[name, params]``.

    Raises
    ------
    ConfigError
        If ``members`` is not a non-empty sequence of such specs.
    """
    if isinstance(members, (str, bytes, Mapping)) or not isinstance(members, Sequence):
        raise ConfigError(f"`members` must be a list of detector specs, got {members!r}")
    parsed = []
    for spec in members:
        if isinstance(spec, str):
            name, params = spec, {}
        elif isinstance(spec, Mapping) and set(spec) <= {"name", "params"} and "name" in spec:
            name, params = spec["name"], spec.get("params") or {}
        elif isinstance(spec, Sequence) and len(spec) == 2 and isinstance(spec[0], str):
            name, params = spec[0], spec[1] or {}
        else:
            raise ConfigError(
                "each of `members` must be a detector name, {'name': ..., 'params': {...}} "
                f"or [name, params], got {spec!r}"
            )
        if not isinstance(params, Mapping):
            raise ConfigError(f"member `{name}`: `params` must be a mapping, got {params!r}")
        parsed.append((name, dict(params)))
    if not parsed:
        raise ConfigError("`members` must hold at least one detector")
    return parsed


def _build_members(members: object) -> list[BaseDetector]:
    from anomalia.detectors.registry import make_detector

    return [make_detector(name, **params) for name, params in parse_members(members)]


class EnsembleDetector(BaseDetector):
    """Combine member detectors' normalised scores by mean, max or weighted vote.

    Parameters
    ----------
    members : sequence of member specs, default ("zscore", "mad")
        Registry names, ``{"name": ..., "params": {...}}`` mappings or
        ``[name, params]`` pairs; each member is fitted on the same data.
    combination : {"mean", "max", "vote"}, default "mean"
        Weighted mean or maximum of the normalised scores, or the weighted
        share of members whose raw score is above the ``vote_quantile`` of
        their training (calibration) scores (ties
        between equal shares broken by the mean rank, so the score stays
        ordered within each share).
    normalisation : {"rank", "robust_z"}, default "robust_z"
        How member scores are put on one scale, from their training scores.
    weights : sequence of float or None, default None
        One non-negative weight per member (not all zero); None for equal.
    vote_quantile : float, default 0.99
        With ``combination="vote"``: a member votes where its score passes this
        quantile of its training scores.

    Attributes
    ----------
    members_ : list of BaseDetector
        The fitted members.
    center_, scale_ : ndarray of shape (n_members,)
        Median and robust std of each member's training scores.
    weights_ : ndarray of shape (n_members,)
        Weights, summing to 1.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.sin(np.arange(600) / 10); x[400] += 5
    >>> detector = EnsembleDetector(members=["zscore", "mad"], combination="max").fit(x)
    >>> int(np.argmax(detector.score(x)))
    400
    """

    name = "ensemble"

    def __init__(
        self,
        *,
        members: Sequence[MemberSpec] = ("zscore", "mad"),
        combination: str = "mean",
        normalisation: str = "robust_z",
        weights: Sequence[float] | None = None,
        vote_quantile: float = 0.99,
    ):
        self.members = members
        self.combination = combination
        self.normalisation = normalisation
        self.weights = weights
        self.vote_quantile = vote_quantile

    @property
    def causal(self) -> bool:  # type: ignore[override]
        """Causal when every member is."""
        return all(member.causal for member in _build_members(self.members))

    def min_samples(self) -> int:
        return max(member.min_samples() for member in _build_members(self.members))

    def stream_history(self) -> int | None:
        super().stream_history()
        histories = [member.stream_history() for member in self.members_]
        return None if None in histories else max(histories)

    def warmup_rows(self) -> int:
        return max(member.warmup_rows() for member in self.members_)

    # ------------------------------------------------------------- fitting
    def _check_params(self, n_members: int) -> np.ndarray:
        check_choice("normalisation", self.normalisation, NORMALISATIONS)
        if self.weights is None:
            return np.full(n_members, 1.0 / n_members)
        weights = np.asarray(self.weights, dtype=np.float64).reshape(-1)
        if len(weights) != n_members or not np.isfinite(weights).all() or (weights < 0).any():
            raise ConfigError(
                f"`weights` must be {n_members} non-negative numbers (one per member), "
                f"got {self.weights!r}"
            )
        if weights.sum() == 0:
            raise ConfigError("`weights` must not all be zero")
        return weights / weights.sum()

    def _check_combination(self) -> None:
        check_choice("combination", self.combination, COMBINATIONS)

    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        self._check_combination()
        members = _build_members(self.members)
        self.weights_ = self._check_params(len(members))
        centers, scales = [], []
        for member in members:
            member.fit(X, y if member.requires_labels else None)
            training = member.calibration_scores(X, y if member.requires_labels else None)
            center = float(np.median(training))
            mad = float(np.median(np.abs(training - center))) * _MAD_TO_STD
            centers.append(center)
            scales.append(max(mad, 1e-12 * max(abs(center), 1.0)))
        self.members_ = members
        self.center_ = np.array(centers)
        self.scale_ = np.array(scales)
        self._fit_combiner(X, y)

    def _fit_combiner(self, X: np.ndarray, y: np.ndarray | None) -> None:
        """Learn the combination; the fixed combinations have nothing to learn."""

    # ------------------------------------------------------------- scoring
    def _member_scores(self, X: np.ndarray) -> np.ndarray:
        """Raw scores of every member, shape (n_samples, n_members)."""
        return np.column_stack([member._score(X) for member in self.members_])

    def _normalise(self, raw: np.ndarray) -> np.ndarray:
        if self.normalisation == "rank":
            return np.column_stack(
                [member.calibrate(raw[:, k]) for k, member in enumerate(self.members_)]
            )
        return (raw - self.center_) / self.scale_

    def _score(self, X: np.ndarray) -> np.ndarray:
        raw = self._member_scores(X)
        if self.combination == "vote":
            ranks = np.column_stack(
                [member.calibrate(raw[:, k]) for k, member in enumerate(self.members_)]
            )
            share = (ranks > self.vote_quantile) @ self.weights_
            # Shares step by at least the smallest positive weight; the tie-break stays below.
            step = self.weights_[self.weights_ > 0].min()
            return share + 0.5 * step * (ranks @ self.weights_)
        normalised = self._normalise(raw)
        if self.combination == "max":
            return normalised[:, self.weights_ > 0].max(axis=1)
        return normalised @ self.weights_

    # --------------------------------------------------------- persistence
    def _get_state(self) -> dict[str, Any]:
        state = {k: v for k, v in super()._get_state().items() if k != "members_"}
        state["member_states_"] = [member._get_state() for member in self.members_]
        return state

    def _set_state(self, state: dict[str, Any]) -> None:
        state = dict(state)
        members = _build_members(self.members)
        for member, member_state in zip(members, state.pop("member_states_"), strict=True):
            member._set_state(member_state)
        self.members_ = members
        super()._set_state(state)

    def _save_artifacts(self, folder: Path) -> None:
        for k, member in enumerate(self.members_):
            member_folder = folder / f"member_{k}"
            member_folder.mkdir()
            member._save_artifacts(member_folder)

    def _load_artifacts(self, folder: Path) -> None:
        for k, member in enumerate(self.members_):
            member._load_artifacts(folder / f"member_{k}")


class StackedEnsemble(EnsembleDetector):
    """Stacking: a logistic regression on the members' normalised scores, fitted on labels.

    Members are fitted on the training series, their normalised training
    scores become the regression's inputs and the labels its target (classes
    balanced, since anomalies are rare). The score is the regression's
    log-odds of "anomalous". Needs labels, like any supervised detector.

    Parameters
    ----------
    members, normalisation, weights
        As in :class:`EnsembleDetector`; ``weights`` are ignored (learned).
    combination : {"stacking"}, default "stacking"
        Fixed; present so the parameters read like the ensemble's.

    Attributes
    ----------
    combiner_ : sklearn.linear_model.LogisticRegression
        The fitted combination.
    """

    name = "stacking"
    requires_labels = True

    def __init__(
        self,
        *,
        members: Sequence[MemberSpec] = ("zscore", "mad"),
        combination: str = "stacking",
        normalisation: str = "robust_z",
        weights: Sequence[float] | None = None,
    ):
        super().__init__(
            members=members,
            combination=combination,
            normalisation=normalisation,
            weights=weights,
        )

    def _check_combination(self) -> None:
        check_choice("combination", self.combination, ("stacking",))

    def _fit_combiner(self, X: np.ndarray, y: np.ndarray | None) -> None:
        from sklearn.linear_model import LogisticRegression

        from anomalia.exceptions import DataError

        if y.min() == y.max():
            raise DataError(
                "fit: stacking needs labelled anomalies and normal points; the labels hold "
                f"only {int(y[0])}s"
            )
        inputs = self._normalise(self._member_scores(X))
        self.combiner_ = LogisticRegression(class_weight="balanced").fit(inputs, y)

    def _score(self, X: np.ndarray) -> np.ndarray:
        return self.combiner_.decision_function(self._normalise(self._member_scores(X)))
