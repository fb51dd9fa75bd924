"""Random forest classifier trained on labelled anomalies."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from sklearn.ensemble import RandomForestClassifier

from anomalia.detectors.feature_based import DEFAULT_LAGS, DEFAULT_WINDOWS, FeatureDetector
from anomalia.detectors.params import check_choice, check_integer
from anomalia.exceptions import DataError


class RandomForestDetector(FeatureDetector):
    """Random forest classifier on causal features, trained on 0/1 labels.

    Supervised: ``fit`` needs labels with at least one anomaly (1) and one
    normal point (0). The score is the forest's predicted probability of the
    anomaly class; :meth:`calibration_scores` are the out-of-bag probabilities
    of the training rows (in-sample ones are overfit), so the model's
    threshold is fitted on those.

    Parameters
    ----------
    n_estimators : int, default 100
        Number of trees.
    max_depth : int or None, default None
        Deepest a tree may grow; None for no limit.
    min_samples_leaf : int, default 1
        Fewest training rows in a leaf.
    class_weight : {None, "balanced", "balanced_subsample"}, default None
        Class weighting (see :class:`sklearn.ensemble.RandomForestClassifier`).
        None by default: with a handful of labelled anomalies, up-weighting
        them made fully grown trees isolate each one on incidental features
        and rank new anomalies lower; the rarity of anomalies is handled by
        the threshold instead.
    windows : sequence of int, default (12, 48, 288)
        Reference windows (rows) of the context features: per window, the
        z-score of the value against the window's previous points, the ratio of
        the recent (12-point) std to theirs, and the shift of the recent mean
        in units of their std. Level features, when on, take rolling means and
        stds over the same windows.
    season : int, "auto" or None, default "auto"
        Season length in rows for the deviation from one season earlier;
        "auto" detects it in the training values
        (:func:`anomalia.features.detect_season`), None leaves it out.
    feature_set : {"context", "level", "both"}, default "context"
        Scale-free context deviations (:mod:`anomalia.features.context`), the
        level features (value, first difference, ``lags``, rolling mean and
        std), or both.
    lags : sequence of int, default (1,)
        Lagged-value features (level features only).
    fft_window : int or None, default None
        Trailing window of spectral band-energy features; None for none.
    random_state : None, int or numpy.random.RandomState, default None
        Seeds bootstrap samples and split features; fix it for repeatable scores.

    Attributes
    ----------
    forest_ : sklearn.ensemble.RandomForestClassifier
        The fitted classifier.
    scaler_ : sklearn.preprocessing.StandardScaler
        Feature standardisation fitted on the training data.
    feature_names_ : list of str
        Names of the feature columns.
    season_ : int or None
        Season length of the seasonal features: ``season``, or the period
        found in the training values; None for none.
    warmup_ : int
        Leading rows (the longest lookback minus one) that score 0.
    """

    name = "random_forest"
    requires_labels = True

    def __init__(
        self,
        *,
        n_estimators: int = 100,
        max_depth: int | None = None,
        min_samples_leaf: int = 1,
        class_weight: str | None = None,
        windows: Sequence[int] = DEFAULT_WINDOWS,
        season: int | str | None = "auto",
        feature_set: str = "context",
        lags: Sequence[int] = DEFAULT_LAGS,
        fft_window: int | None = None,
        random_state: int | np.random.RandomState | None = None,
    ):
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.class_weight = class_weight
        self.windows = windows
        self.season = season
        self.feature_set = feature_set
        self.lags = lags
        self.fft_window = fft_window
        self.random_state = random_state

    def _fit_estimator(self, features: np.ndarray, y: np.ndarray | None) -> None:
        check_integer("n_estimators", self.n_estimators, minimum=1)
        if self.max_depth is not None:
            check_integer("max_depth", self.max_depth, minimum=1)
        check_integer("min_samples_leaf", self.min_samples_leaf, minimum=1)
        check_choice("class_weight", self.class_weight, (None, "balanced", "balanced_subsample"))
        n_anomalies = int(y.sum())
        if n_anomalies == 0 or n_anomalies == len(y):
            missing = "no anomaly (1)" if n_anomalies == 0 else "no normal point (0)"
            raise DataError(
                f"fit: the labels contain {missing} after the first {self.warmup_} "
                "points (the features' warm-up); RandomForestDetector needs both "
                "classes to learn from"
            )
        self.forest_ = RandomForestClassifier(
            n_estimators=self.n_estimators,
            max_depth=self.max_depth,
            min_samples_leaf=self.min_samples_leaf,
            class_weight=self.class_weight,
            oob_score=True,
            random_state=self.random_state,
        )
        with warnings.catch_warnings():
            # With few trees a row can be in every bootstrap sample; it then
            # has no out-of-bag score and is left out of the calibration.
            warnings.filterwarnings("ignore", message="Some inputs do not have OOB scores")
            warnings.filterwarnings("ignore", category=RuntimeWarning)
            self.forest_.fit(features, y)

    def _score_estimator(self, features: np.ndarray) -> np.ndarray:
        return self.forest_.predict_proba(features)[:, self._anomaly_column()]

    def _calibration_scores(self, X: np.ndarray, y: np.ndarray | None) -> np.ndarray:
        # In-sample probabilities of fully grown trees are near 0 or 1; the
        # out-of-bag ones are what the forest says about rows it has not seen.
        oob = self.forest_.oob_decision_function_[:, self._anomaly_column()]
        return oob[np.isfinite(oob)]

    def _anomaly_column(self) -> int:
        return list(self.forest_.classes_).index(1)
