"""The NAB score (Lavin & Ahmad 2015, Numenta Anomaly Benchmark) of a corpus.

The protocol, as NAB's scorer (``nab/sweeper.py``, ``runner.normalize``) computes it:

* Each series has scores and anomaly windows (inclusive index pairs). Its
  first ``min(floor(0.15 n), 750)`` points are a probationary period where
  detections are ignored (neither reward nor cost).
* A detection is a point with ``score >= threshold``. With the scaled sigmoid
  ``sigma(y) = 2 / (1 + exp(5 y)) - 1``, the first detection inside a window
  ``[start, end]`` earns ``tp_weight * sigma(-(end - index + 1) / length) /
  sigma(-1)``: exactly ``tp_weight`` at the window's first point, less later.
  Later detections in the same window earn and cost nothing. A window without
  a detection costs ``fn_weight``; a window wholly inside the probationary
  period is not counted at all.
* A detection outside every window costs ``fp_weight * sigma(y)`` (negative)
  with ``y = (index - end) / (length - 1)`` of the nearest window before it,
  and ``-1`` for ``y >= 3``; with no window before it, it costs ``fp_weight``.
* Normalised score ``100 (raw - null) / (perfect - null)``: ``null`` is the
  detector that never detects (``-fn_weight`` per counted window) and
  ``perfect = tp_weight * n_windows`` over every labelled window, as NAB
  defines it (so windows in the probationary period keep the best reachable
  score a little under 100).
* One threshold per profile for the whole corpus, the one maximising the
  corpus's raw score over all distinct score values (and "never detect");
  ties go to the highest threshold.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from anomalia.exceptions import ConfigError, DataError
from anomalia.metrics._nab_sweep import SeriesTerms, series_terms, sweep
from anomalia.metrics._validation import check_labels, check_non_negative_int, check_scores
from anomalia.metrics.events import runs
from anomalia.metrics.nab_profiles import NAB_PROFILES, CostProfile

_TIE_TOLERANCE = 1e-9


def nab_probationary_period(n_points: int) -> int:
    """NAB's probationary period of a series: ``min(floor(0.15 n), 750)`` points."""
    return min(math.floor(0.15 * n_points), 750)


@dataclass(frozen=True)
class NabSeries:
    """One series of a NAB corpus.

    Attributes
    ----------
    scores : array-like of shape (n,)
        Anomaly scores (NAB's are in [0, 1]; any finite values work).
    windows : array-like of shape (n_windows, 2)
        Inclusive ``(start_index, end_index)`` pairs, in time order, disjoint.
    name : str
        Used in error messages, e.g. ``"realKnownCause/nyc_taxi.csv"``.
    """

    scores: ArrayLike
    windows: ArrayLike
    name: str = ""

    @classmethod
    def from_labels(cls, scores: ArrayLike, labels: ArrayLike, name: str = "") -> NabSeries:
        """Build a series whose windows are the runs of 1 in a 0/1 label array."""
        starts, ends = runs(check_labels(labels, "labels"))
        return cls(scores=scores, windows=np.column_stack((starts, ends)), name=name)


@dataclass(frozen=True)
class NabProfileScore:
    """NAB result of one profile on a corpus.

    Attributes
    ----------
    profile : CostProfile
    score : float
        Normalised score: 0 for the null detector, 100 for the perfect one;
        nan when the corpus has no window that can be detected.
    raw_score : float
        Sum over the corpus of rewards and costs at ``threshold``.
    threshold : float
        Detection threshold used; ``inf`` means never detecting scored best.
    true_positives : int
        Windows with at least one detection.
    false_negatives : int
        Windows without a detection.
    false_positives : int
        Detections outside every window, past the probationary period.
    null_score, perfect_score : float
        Raw scores of the never-detecting and of the perfect detector.
    """

    profile: CostProfile
    score: float
    raw_score: float
    threshold: float
    true_positives: int
    false_negatives: int
    false_positives: int
    null_score: float
    perfect_score: float


@dataclass(frozen=True)
class NabResult:
    """NAB results of a corpus by profile name; ``result["standard"].score``."""

    profiles: Mapping[str, NabProfileScore]

    def __getitem__(self, name: str) -> NabProfileScore:
        return self.profiles[name]

    @property
    def scores(self) -> dict[str, float]:
        """Normalised score of each profile."""
        return {name: result.score for name, result in self.profiles.items()}


def _check_windows(windows: ArrayLike, n: int, where: str) -> np.ndarray:
    array = np.asarray(windows)
    if array.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if array.ndim != 2 or array.shape[1] != 2 or array.dtype.kind not in "iu":
        raise DataError(
            f"{where}: `windows` must be integer (start, end) pairs of shape (n_windows, 2), "
            f"got shape {array.shape} and dtype {array.dtype}; use NabSeries.from_labels "
            "for a 0/1 label array"
        )
    array = array.astype(np.int64)
    starts, ends = array[:, 0], array[:, 1]
    checks = (
        (starts > ends, "starts after its end"),
        ((starts < 0) | (ends >= n), f"is outside the series of {n} points"),
        (np.append(False, starts[1:] <= ends[:-1]), "overlaps or precedes the window before it"),
    )
    for failed, reason in checks:
        if failed.any():
            k = int(np.flatnonzero(failed)[0])
            raise DataError(
                f"{where}: window {k} ({starts[k]}, {ends[k]}) {reason}; windows must be "
                "inclusive index pairs in time order without overlap"
            )
    return array


def nab_score(
    corpus: NabSeries | Sequence[NabSeries],
    *,
    profiles: Sequence[CostProfile] = NAB_PROFILES,
    probationary_period: int | None = None,
    threshold: float | None = None,
) -> NabResult:
    """Score a corpus with the NAB protocol under each cost profile.

    Parameters
    ----------
    corpus : NabSeries or sequence of NabSeries
        The series to score together.
    profiles : sequence of CostProfile, default NAB_PROFILES
        Cost profiles; see :func:`load_nab_profiles` for NAB's JSON file.
    probationary_period : int or None, default None
        Points ignored at the start of every series; None applies NAB's rule
        :func:`nab_probationary_period` to each series' length.
    threshold : float or None, default None
        Fixed detection threshold for every profile; None chooses, per
        profile, the threshold maximising the corpus's raw score.

    Returns
    -------
    NabResult
        One :class:`NabProfileScore` per profile name.

    Raises
    ------
    DataError
        If a series has non-finite scores or invalid windows (the message
        names the series), or the corpus is empty.
    ConfigError
        If ``probationary_period`` is not an integer ≥ 0 or ``threshold`` is nan.

    Examples
    --------
    One window ``[4, 5]`` detected at its first point scores 100:

    >>> series = NabSeries.from_labels([0, 0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 1, 1, 0, 0])
    >>> nab_score(series, probationary_period=0)["standard"].score
    100.0
    """
    series_list = [corpus] if isinstance(corpus, NabSeries) else list(corpus)
    if not series_list:
        raise DataError("`corpus` is empty; pass at least one NabSeries")
    if probationary_period is not None:
        probationary_period = check_non_negative_int(probationary_period, "probationary_period")
    if threshold is not None:
        threshold = _check_threshold(threshold)
    terms = []
    for k, series in enumerate(series_list):
        where = f"corpus[{k}]" + (f" ({series.name})" if series.name else "")
        scores = check_scores(series.scores, f"{where} scores")
        windows = _check_windows(series.windows, len(scores), where)
        probation = (
            nab_probationary_period(len(scores))
            if probationary_period is None
            else probationary_period
        )
        terms.append(series_terms(scores, windows, probation))
    return _score_profiles(terms, profiles, threshold)


def _check_threshold(threshold: object) -> float:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.number)):
        raise ConfigError(f"`threshold` must be a number or None, got {threshold!r}")
    if math.isnan(threshold):
        raise ConfigError("`threshold` must be a number or None, got nan")
    return float(threshold)


def _score_profiles(
    terms: list[SeriesTerms], profiles: Sequence[CostProfile], threshold: float | None
) -> NabResult:
    totals = sweep(terms)
    n_windows = sum(t.n_windows for t in terms)
    reachable = n_windows - sum(t.n_unreachable for t in terms)
    if threshold is not None:
        # Thresholds run high to low; take the last one still >= threshold.
        fixed = int(np.count_nonzero(totals.thresholds >= threshold)) - 1
    results = {}
    for profile in profiles:
        # Gain over the null detector; raw = null + gain. Adding the integer
        # count of found windows (rather than subtracting missed ones from a
        # float) keeps a perfect detection at exactly 100.
        gain = (
            profile.tp_weight * totals.tp
            + profile.fn_weight * totals.found
            + profile.fp_weight * totals.fp
        )
        if threshold is None:
            # Highest threshold among (numerically) tied best raw scores.
            best = int(np.flatnonzero(gain >= gain.max() - _TIE_TOLERANCE)[0])
            chosen = float(totals.thresholds[best])
        else:
            best, chosen = fixed, threshold
        null = -profile.fn_weight * reachable
        span = profile.tp_weight * n_windows + profile.fn_weight * reachable
        found = int(totals.found[best])
        results[profile.name] = NabProfileScore(
            profile=profile,
            score=float(100 * gain[best] / span) if span > 0 else float("nan"),
            raw_score=float(null + gain[best]),
            threshold=chosen,
            true_positives=found,
            false_negatives=n_windows - found,
            false_positives=int(totals.false_alarms[best]),
            null_score=float(null),
            perfect_score=float(null + span),
        )
    return NabResult(results)
