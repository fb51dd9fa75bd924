"""Running a detector on one series under NAB's streaming rules.

The protocol (see ``docs/nab.md``):

* The detector must be causal (``causal = True``): its score at row ``t``
  depends only on rows ``0..t``. Detectors that need labels cannot run,
  because NAB gives none at detection time.
* It is fitted once, on the probationary rows only (the first
  ``min(floor(0.15 n), 750)``), then scores the whole series in one call;
  causality makes that the same as scoring row by row as data arrive.
* Scores of the probationary rows are set to 0 (NAB ignores them); a series
  whose probationary period is shorter than the detector's
  :meth:`~anomalia.detectors.base.BaseDetector.min_samples` gets 0
  everywhere, with a warning, rather than a fit on rows it would then score.
* Optionally, scores are kept only at onsets (a new maximum over the
  previous ``onset_window`` rows, :func:`anomalia.postprocess.keep_onsets`),
  so a persistent anomalous state is one alarm rather than hundreds.
* Raw scores are mapped into NAB's [0, 1] by :func:`unit_scores`, with one
  function for every series (``"fixed"``) or relative to the detector's
  training scores on that series (``"training"``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np

from anomalia.detectors.base import BaseDetector
from anomalia.detectors.registry import available_detectors, core_detectors, make_detector
from anomalia.exceptions import ConfigError
from anomalia.metrics.nab import nab_probationary_period
from anomalia.postprocess.onset import keep_onsets

log = logging.getLogger("anomalia")


def causal_detectors() -> list[str]:
    """Registered detectors that may run under streaming rules: causal, no labels needed."""
    names = []
    for name in available_detectors():
        detector = make_detector(name)  # an ensemble is causal when its members are
        if detector.causal and not detector.requires_labels:
            names.append(name)
    return names


def default_detectors() -> list[str]:
    """The default NAB set: causal detectors without labels, deep and R families left out.

    A deep or an R model fitted per file makes the whole-corpus run many times
    longer; name them with ``--detectors`` to run them.
    """
    core = set(core_detectors())
    return [name for name in causal_detectors() if name in core]


def check_streamable(name: str, params: Mapping[str, Any] | None = None) -> None:
    """Raise ``ConfigError`` unless detector ``name`` may run under streaming rules."""
    detector = make_detector(name, **(params or {}))  # an ensemble: causal if its members are
    if not detector.causal:
        raise ConfigError(
            f"detector `{name}` is not causal (its score at t may use rows after t), so it "
            "cannot run under NAB's streaming rules; causal detectors: "
            + ", ".join(causal_detectors())
        )
    if detector.requires_labels:
        raise ConfigError(
            f"detector `{name}` needs labels to fit; NAB gives none at detection time"
        )


#: How raw scores become NAB's [0, 1] scores (see :func:`unit_scores`).
UNIT_SCALES = ("fixed", "training")


def unit_scores(detector: BaseDetector, raw: np.ndarray, scale: str = "fixed") -> np.ndarray:
    """Map raw scores into [0, 1], monotonically.

    ``"fixed"``: ``0.5 + 0.5 r / (1 + |r|)``, the same function for every
    series, for detectors whose raw scores already share a scale across
    series (z-scores, distances in units of a training spread, LOF ratios);
    it never saturates, so the corpus-wide threshold can fall anywhere.

    ``"training"``: relative to the detector's training scores on this series,
    the mean of their empirical CDF
    (:meth:`~anomalia.detectors.base.BaseDetector.calibrate`, 1 above the
    largest) and ``e / (1 + e)``, ``e`` the excess over the largest training
    score in units of its distance from the training median. 0.5 is the
    median training score, 0.75 the largest. For detectors whose raw scale
    differs from series to series.
    """
    if scale == "fixed":
        return 0.5 + 0.5 * raw / (1.0 + np.abs(raw))
    rank = detector.calibrate(raw)
    top, middle = detector.calibration_[-1], detector.calibration_[len(detector.calibration_) // 2]
    spread = max(top - middle, 1e-12 * max(abs(top), 1.0))
    excess = np.maximum(raw - top, 0.0) / spread
    return 0.5 * rank + 0.5 * excess / (1.0 + excess)


def stream_scores(
    detector: BaseDetector,
    values: np.ndarray,
    *,
    scale: str = "fixed",
    onset_window: int | float | None = None,
    where: str = "",
) -> np.ndarray:
    """Scores in [0, 1] of one series under NAB's streaming rules.

    Parameters
    ----------
    detector : BaseDetector
        An unfitted causal detector; it is fitted here.
    values : ndarray of shape (n,)
        The series, in file order.
    scale : {"fixed", "training"}, default "fixed"
        How raw scores become [0, 1] (:func:`unit_scores`).
    onset_window : int, float or None, default None
        Keep a score only where it exceeds every score of this many rows
        before (:func:`anomalia.postprocess.keep_onsets`): an integer is a
        number of rows, a float in (0, 1) that share of the probationary
        period; None keeps all.
    where : str
        Name of the series for log messages.

    Returns
    -------
    ndarray of shape (n,)
        0 on the probationary rows.
    """
    probation = nab_probationary_period(len(values))
    scores = np.zeros(len(values))
    if probation < detector.min_samples():
        log.warning(
            "%s: probationary period of %d rows is shorter than the %d %s needs; scored 0",
            where,
            probation,
            detector.min_samples(),
            detector.name,
        )
        return scores
    detector.fit(values[:probation])
    raw = detector.score(values)
    if isinstance(onset_window, float):
        onset_window = max(1, int(onset_window * probation))
    if onset_window is not None:
        raw = keep_onsets(raw, onset_window)
    scores[probation:] = unit_scores(detector, raw[probation:], scale)
    return scores
