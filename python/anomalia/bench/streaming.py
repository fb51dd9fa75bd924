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
* Raw scores are mapped into NAB's [0, 1] by :func:`unit_scores`, relative to
  the detector's own training scores, so that one threshold means the same on
  every series.
"""

from __future__ import annotations

import logging

import numpy as np

from anomalia.detectors.base import BaseDetector
from anomalia.detectors.registry import make_detector
from anomalia.exceptions import ConfigError
from anomalia.metrics.nab import nab_probationary_period

log = logging.getLogger("anomalia")


def check_streamable(name: str) -> None:
    """Raise ``ConfigError`` unless detector ``name`` may run under streaming rules."""
    detector = make_detector(name)  # an ensemble is causal when its members are
    if not detector.causal:
        raise ConfigError(
            f"detector `{name}` is not causal (its score at t may use rows after t), so it "
            "cannot run under NAB's streaming rules; choose a detector with causal = True "
            "(`anomalia detectors` lists them)"
        )
    if detector.requires_labels:
        raise ConfigError(
            f"detector `{name}` needs labels to fit; NAB gives none at detection time"
        )


def unit_scores(detector: BaseDetector, raw: np.ndarray) -> np.ndarray:
    """Map raw scores into [0, 1], monotonically, relative to the training scores.

    The result is the mean of two parts: the empirical CDF of the training
    scores (:meth:`~anomalia.detectors.base.BaseDetector.calibrate`), which
    saturates at 1 above the largest training score, and ``r / (1 + r)`` with
    ``r`` the excess over that largest score in units of its distance from
    the training median, which keeps ordering the scores beyond it. So
    0.5 is the median training score, 0.75 the largest one.
    """
    rank = detector.calibrate(raw)
    top, middle = detector.calibration_[-1], detector.calibration_[len(detector.calibration_) // 2]
    spread = max(top - middle, 1e-12 * max(abs(top), 1.0))
    excess = np.maximum(raw - top, 0.0) / spread
    return 0.5 * rank + 0.5 * excess / (1.0 + excess)


def stream_scores(detector: BaseDetector, values: np.ndarray, *, where: str = "") -> np.ndarray:
    """Scores in [0, 1] of one series under NAB's streaming rules.

    Parameters
    ----------
    detector : BaseDetector
        An unfitted causal detector; it is fitted here.
    values : ndarray of shape (n,)
        The series, in file order.
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
    scores[probation:] = unit_scores(detector, raw[probation:])
    return scores
