"""Local outlier factor on causal features."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.neighbors import LocalOutlierFactor

from anomalia.detectors.feature_based import (
    DEFAULT_LAGS,
    DEFAULT_WINDOWS,
    FeatureDetector,
    subsample_rows,
)
from anomalia.detectors.params import check_integer


class LocalOutlierFactorDetector(FeatureDetector):
    """Local outlier factor (Breunig et al., 2000) on causal features, in novelty mode.

    A point scores high when its local density, among its ``n_neighbors``
    nearest training rows in the standardised feature space, is low compared
    with theirs. The score is the LOF itself (about 1 for inliers). Training
    rows are subsampled to at most ``max_train``.

    Parameters
    ----------
    n_neighbors : int, default 20
        Neighbours defining the local density.
    max_train : int, default 2000
        Most training rows used; more are subsampled with ``random_state``.
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
        Seeds the subsample; fix it for repeatable scores.

    Attributes
    ----------
    lof_ : sklearn.neighbors.LocalOutlierFactor
        The fitted model (``novelty=True``).
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

    name = "lof"
    cross_fit_calibration = True

    def __init__(
        self,
        *,
        n_neighbors: int = 20,
        max_train: int = 2000,
        windows: Sequence[int] = DEFAULT_WINDOWS,
        season: int | str | None = "auto",
        feature_set: str = "context",
        lags: Sequence[int] = DEFAULT_LAGS,
        fft_window: int | None = None,
        random_state: int | np.random.RandomState | None = None,
    ):
        self.n_neighbors = n_neighbors
        self.max_train = max_train
        self.windows = windows
        self.season = season
        self.feature_set = feature_set
        self.lags = lags
        self.fft_window = fft_window
        self.random_state = random_state

    def min_samples(self) -> int:
        check_integer("n_neighbors", self.n_neighbors, minimum=1)
        return super().min_samples()

    def _min_estimator_rows(self) -> int:
        return self.n_neighbors + 1

    def _fit_estimator(self, features: np.ndarray, y: np.ndarray | None) -> None:
        check_integer("max_train", self.max_train, minimum=self.n_neighbors + 1)
        training = subsample_rows(features, self.max_train, self.random_state)
        # Brute force: with at most max_train rows in a dozen feature dimensions
        # it is several times faster than a k-d tree, and exact all the same.
        self.lof_ = LocalOutlierFactor(
            n_neighbors=self.n_neighbors, novelty=True, algorithm="brute"
        ).fit(training)

    def _score_estimator(self, features: np.ndarray) -> np.ndarray:
        # score_samples is minus the LOF: higher for normal points.
        return -self.lof_.score_samples(features)
