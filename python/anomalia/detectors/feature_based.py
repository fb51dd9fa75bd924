"""Shared base of the detectors that learn on engineered features.

Isolation forest, one-class SVM, LOF, DBSCAN and random forest all see each
timestamp as a row of causal features from :func:`anomalia.features.make_features`
(values, first differences, lags, trailing-window mean and standard deviation
and, optionally, spectral band energies), standardised with a scaler fitted on
the training data. This base turns raw values into that matrix, so each
detector only handles its estimator. Calendar features need timestamps, which
detectors do not receive; call ``make_features`` directly for those.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state

from anomalia.detectors.base import BaseDetector
from anomalia.features.builder import (
    DEFAULT_LAGS,
    DEFAULT_WINDOWS,
    check_feature_params,
    longest_lookback,
    make_features,
)

__all__ = [
    "DEFAULT_LAGS",
    "DEFAULT_WINDOWS",
    "MIN_COMPLETE_ROWS",
    "FeatureDetector",
    "subsample_rows",
]


#: Rolling statistics the detectors use. Min and max are left out: one spike
#: stays in them for a whole window, so the rows after it would look anomalous too.
WINDOW_STATISTICS: tuple[str, ...] = ("mean", "std")

#: Fewest rows with a complete feature history that a detector is fitted on.
MIN_COMPLETE_ROWS = 10


class FeatureDetector(BaseDetector):
    """Base class: detectors fitted on standardised causal features.

    Concrete classes take ``windows``, ``lags`` and ``fft_window`` parameters
    (see :func:`anomalia.features.make_features`) and implement
    :meth:`_fit_estimator` and :meth:`_score_estimator` on the standardised
    feature matrix.

    The first ``warmup_`` rows of a series (the longest lookback minus one)
    have features built on an incomplete history: they are left out of
    training and score 0, as in the other detectors without enough history.
    Pass some preceding points along when scoring a continuation.

    Attributes
    ----------
    warmup_ : int
        Leading rows of any series that are not scored.
    scaler_ : sklearn.preprocessing.StandardScaler
        Standardises the features with the training mean and std.
    feature_names_ : list of str
        Names of the feature columns.
    """

    windows: Sequence[int]
    lags: Sequence[int]
    fft_window: int | None

    #: Calibrate ``threshold_`` on out-of-sample scores (see :meth:`_calibration_scores`).
    cross_fit_calibration: ClassVar[bool] = False

    def min_samples(self) -> int:
        # Checked here rather than in _fit: the base calls min_samples first.
        check_feature_params(windows=self.windows, lags=self.lags, fft_window=self.fft_window)
        rows = self._min_estimator_rows() * (2 if self.cross_fit_calibration else 1)
        return self._warmup() + max(MIN_COMPLETE_ROWS, rows)

    def _min_estimator_rows(self) -> int:
        """Fewest feature rows the estimator can be fitted on (parameters already checked)."""
        return 2

    def _warmup(self) -> int:
        return longest_lookback(self.windows, self.lags, self.fft_window) - 1

    def _features(self, X: np.ndarray) -> tuple[np.ndarray, list[str]]:
        return make_features(
            X,
            windows=self.windows,
            lags=self.lags,
            statistics=WINDOW_STATISTICS,
            fft_window=self.fft_window,
        )

    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        self.warmup_ = self._warmup()
        features, self.feature_names_ = self._features(X)
        complete = features[self.warmup_ :]
        self.scaler_ = StandardScaler().fit(complete)
        labels = None if y is None else y[self.warmup_ :]
        self._fit_estimator(self.scaler_.transform(complete), labels)

    def _score(self, X: np.ndarray) -> np.ndarray:
        scores = np.zeros(len(X))
        if len(X) > self.warmup_:
            features, _ = self._features(X)
            complete = self.scaler_.transform(features[self.warmup_ :])
            scores[self.warmup_ :] = self._score_estimator(complete)
        return scores

    def _calibration_scores(self, X: np.ndarray, y: np.ndarray | None) -> np.ndarray:
        """Training scores for ``threshold_``; out-of-sample when ``cross_fit_calibration``.

        Neighbour and kernel models score the very rows they were fitted on
        too low, and adjacent rows of a series share most of their window
        features, so a random hold-out would not help either. Instead the
        complete training rows are cut into an earlier and a later half; an
        estimator fitted on each half scores the other one. Each saw half the
        data, so the threshold errs on the high (fewer flags) side.
        """
        if not self.cross_fit_calibration:
            return super()._calibration_scores(X, y)
        features, _ = self._features(X)
        complete = self.scaler_.transform(features[self.warmup_ :])
        middle = len(complete) // 2
        halves = (complete[:middle], complete[middle:])
        scores = []
        for fit_half, score_half in ((halves[0], halves[1]), (halves[1], halves[0])):
            helper = self.clone()
            helper._fit_estimator(fit_half, None)
            scores.append(helper._score_estimator(score_half))
        return np.concatenate(scores)

    # ------------------------------------------------------- subclass hooks
    def _fit_estimator(self, features: np.ndarray, y: np.ndarray | None) -> None:
        """Fit on standardised features of shape (n_rows, n_features), rows in time order.

        ``y`` holds the labels of the same rows, or None.
        """
        raise NotImplementedError

    def _score_estimator(self, features: np.ndarray) -> np.ndarray:
        """One finite score per row of standardised features; higher is more anomalous."""
        raise NotImplementedError


def subsample_rows(matrix: np.ndarray, max_rows: int, random_state: object) -> np.ndarray:
    """At most ``max_rows`` rows of ``matrix``, drawn without replacement, kept in order.

    Parameters
    ----------
    matrix : ndarray of shape (n_rows, n_columns)
    max_rows : int
    random_state : None, int or numpy.random.RandomState
        Seeds the draw (scikit-learn convention).

    Returns
    -------
    ndarray of shape (min(n_rows, max_rows), n_columns)
    """
    if len(matrix) <= max_rows:
        return matrix
    chosen = check_random_state(random_state).choice(len(matrix), max_rows, replace=False)
    return matrix[np.sort(chosen)]
