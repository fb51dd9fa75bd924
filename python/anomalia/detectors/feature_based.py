"""Shared base of the detectors that learn on engineered features.

Isolation forest, one-class SVM, LOF, DBSCAN and random forest all see each
timestamp as a row of causal features from :func:`anomalia.features.make_features`,
standardised with a scaler fitted on the training data. By default these are
the scale-free context deviations of :mod:`anomalia.features.context`: how far
the value, its recent mean and its recent spread stray from the previous
``windows`` points, and, with a season found in the training values by
:func:`anomalia.features.detect_season`, from one season earlier. The level
features (values, first differences, lags, trailing mean and standard
deviation) can be added or used instead (``feature_set``); they describe where
a series is rather than how unusual that is, so on a seasonal or drifting
series a model fitted on them mostly learns the calendar.

This base turns raw values into the feature matrix, so each detector only
handles its estimator. Calendar features need timestamps, which detectors do
not receive; call ``make_features`` directly for those.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state

from anomalia.detectors.base import BaseDetector
from anomalia.detectors.params import check_choice
from anomalia.exceptions import ConfigError
from anomalia.features.builder import (
    DEFAULT_LAGS,
    check_feature_params,
    longest_lookback,
    make_features,
)
from anomalia.features.context import SHORT_WINDOW, context_feature_count, reference_scale
from anomalia.features.season import MIN_SEASONAL_CORRELATION, season_strength

__all__ = [
    "DEFAULT_LAGS",
    "DEFAULT_WINDOWS",
    "FEATURE_SETS",
    "MIN_COMPLETE_ROWS",
    "FeatureDetector",
    "subsample_rows",
]

#: Default reference windows of the feature detectors: an hour, four hours
#: and a day of 5-minute data.
DEFAULT_WINDOWS: tuple[int, ...] = (12, 48, 288)

#: ``feature_set`` choices: scale-free deviations from the trailing context
#: (:mod:`anomalia.features.context`), the level features (values, first
#: differences, lags, rolling mean and std), or both.
FEATURE_SETS: tuple[str, ...] = ("context", "level", "both")

#: Shortest season ``season="auto"`` looks for.
MIN_SEASON = 4


#: Rolling statistics the detectors use. Min and max are left out: one spike
#: stays in them for a whole window, so the rows after it would look anomalous too.
WINDOW_STATISTICS: tuple[str, ...] = ("mean", "std")

#: Fewest rows with a complete feature history that a detector is fitted on.
MIN_COMPLETE_ROWS = 10


class FeatureDetector(BaseDetector):
    """Base class: detectors fitted on standardised causal features.

    Concrete classes take ``windows``, ``season``, ``feature_set``, ``lags``
    and ``fft_window`` parameters and implement :meth:`_fit_estimator` and
    :meth:`_score_estimator` on the standardised feature matrix.

    The first ``warmup_`` rows of a series (the longest lookback minus one)
    have features built on an incomplete history: they are left out of
    training and score 0, as in the other detectors without enough history.
    Pass some preceding points along when scoring a continuation.

    Attributes
    ----------
    season_ : int or None
        Season length used by the seasonal features: ``season`` itself, or
        the period :func:`anomalia.features.detect_season` found in the
        training values when ``season="auto"``; None for no seasonal features.
    context_scale_ : ndarray of shape (n_value_columns,)
        Standard deviation of each training column; the context features
        take no standard deviation below a thousandth of it.
    warmup_ : int
        Leading rows of any series that are not scored.
    scaler_ : sklearn.preprocessing.StandardScaler
        Standardises the features with the training mean and std.
    feature_names_ : list of str
        Names of the feature columns.
    """

    windows: Sequence[int]
    season: int | str | None
    feature_set: str
    lags: Sequence[int]
    fft_window: int | None

    # Every feature row t is built from rows 0..t and fitted state only.
    causal = True

    #: Calibrate (and fit the threshold) on out-of-sample scores (see :meth:`_calibration_scores`).
    cross_fit_calibration: ClassVar[bool] = False

    def min_samples(self) -> int:
        """Smallest series length, counting the season only when it is given as a number.

        With ``season="auto"`` the period is not known before fitting; ``fit``
        then looks only for periods short enough to leave the estimator the
        rows it needs, so the minimum here holds for any series.
        """
        # Checked here rather than in _fit: the base calls min_samples first.
        self._check_params()
        return self._warmup(self._given_season()) + self._min_complete_rows()

    def _min_complete_rows(self) -> int:
        rows = self._min_estimator_rows() * (2 if self.cross_fit_calibration else 1)
        return max(MIN_COMPLETE_ROWS, rows)

    def _min_estimator_rows(self) -> int:
        """Fewest feature rows the estimator can be fitted on (parameters already checked)."""
        return 2

    def _check_params(self) -> None:
        check_choice("feature_set", self.feature_set, FEATURE_SETS)
        if not (isinstance(self.season, str) and self.season == "auto"):
            if isinstance(self.season, str) or (
                self.season is not None and not _is_season(self.season)
            ):
                raise ConfigError(
                    f"`season` must be 'auto', None or an integer >= 2, got {self.season!r}"
                )
        check_feature_params(
            windows=self.windows,
            lags=self.lags,
            fft_window=self.fft_window,
            context_windows=self.windows,
        )
        if self.feature_set != "level" and not len(self.windows):
            raise ConfigError(
                f"`windows` must hold at least one window for feature_set={self.feature_set!r}"
            )

    def _given_season(self) -> int | None:
        if self.feature_set == "level" or isinstance(self.season, str):
            return None
        return self.season

    def _warmup(self, season: int | None) -> int:
        level = self.feature_set != "context"
        context = self.feature_set != "level"
        return (
            longest_lookback(
                self.windows if level else (),
                self.lags if level else (),
                self.fft_window,
                context_windows=self.windows if context else (),
                season=season,
            )
            - 1
        )

    def _find_season(self, X: np.ndarray) -> int | None:
        """``season``, or with ``"auto"`` the strongest period of any training column that fits."""
        if self.feature_set == "level":
            return None
        if not isinstance(self.season, str):
            return self.season
        # Longest season that leaves the estimator its rows after the warm-up.
        n_rows = len(X)
        longest = min(n_rows // 3, n_rows - self._min_complete_rows() - SHORT_WINDOW + 1)
        if longest < MIN_SEASON:
            return None
        found = [
            season_strength(column, min_period=MIN_SEASON, max_period=longest) for column in X.T
        ]
        period, correlation = max(found, key=lambda item: item[1])
        return period if correlation >= MIN_SEASONAL_CORRELATION else None

    def _features(self, X: np.ndarray) -> tuple[np.ndarray, list[str]]:
        level = self.feature_set != "context"
        context = self.feature_set != "level"
        features, names = make_features(
            X,
            windows=self.windows if level else (),
            lags=self.lags if level else (),
            differences=level,
            level=level,
            statistics=WINDOW_STATISTICS,
            fft_window=self.fft_window,
            context_windows=self.windows if context else (),
            season=self.season_,
            context_scale=self.context_scale_,
        )
        if context:
            # The ratios are heavy-tailed: a few training anomalies at z = 50
            # would set the standardised scale and squeeze ordinary variation
            # together for the distance-based estimators. asinh is linear near
            # 0 and logarithmic in the tails, and leaves tree splits unchanged.
            count = X.shape[1] * context_feature_count(len(self.windows), self.season_)
            features[:, -count:] = np.arcsinh(features[:, -count:])
        return features, names

    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        self.context_scale_ = reference_scale(X)
        self.season_ = self._find_season(X)
        self.warmup_ = self._warmup(self.season_)
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

    def stream_history(self) -> int:
        # Feature row t is built from rows t - warmup_ .. t (the longest lookback).
        super().stream_history()
        return self.warmup_

    def warmup_rows(self) -> int:
        return self.warmup_

    def _calibration_scores(self, X: np.ndarray, y: np.ndarray | None) -> np.ndarray:
        """Training scores for the threshold; out-of-sample when ``cross_fit_calibration``.

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


def _is_season(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 2
