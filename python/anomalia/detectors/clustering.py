"""DBSCAN on causal features: distance to the nearest dense region."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.cluster import DBSCAN
from sklearn.neighbors import NearestNeighbors

from anomalia.detectors.feature_based import (
    DEFAULT_LAGS,
    DEFAULT_WINDOWS,
    FeatureDetector,
    subsample_rows,
)
from anomalia.detectors.params import check_integer, check_number
from anomalia.exceptions import DataError

# Keeps eps positive when the training features hold many identical rows.
_EPS_FLOOR = 1e-12
# Neighbour search by brute force: with at most `max_train` rows in a dozen
# feature dimensions it is several times faster than a k-d tree.
_ALGORITHM = "brute"


class DBSCANDetector(FeatureDetector):
    """DBSCAN (Ester et al., 1996) on causal features, extended to new points.

    DBSCAN is fitted on the standardised training features; a point's score
    is its distance to the nearest *core sample* divided by ``eps``, so
    points inside a dense region score below 1 and isolated points well
    above it. When ``eps`` is None it is the ``eps_quantile`` quantile of the
    training rows' distance to their ``min_points``-th nearest neighbour
    (themselves included), which makes about that share of training rows
    core samples.

    Parameters
    ----------
    eps : float or None, default None
        Neighbourhood radius in standardised feature space; None to choose it
        from the data.
    min_points : int, default 10
        Points within ``eps`` (the point itself included) that make a core
        sample; DBSCAN's ``MinPts`` (scikit-learn's ``min_samples``).
    eps_quantile : float, default 0.95
        Quantile of the k-distance used when ``eps`` is None, in (0, 1].
    max_train : int, default 2000
        Most training rows clustered; more are subsampled with ``random_state``.
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
    eps_ : float
        Radius used (``eps`` or the one chosen from the data).
    n_clusters_ : int
        Clusters DBSCAN found in the training features.
    core_index_ : sklearn.neighbors.NearestNeighbors
        Nearest-neighbour index over the core samples, shape (n_core, n_features).
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

    name = "dbscan"
    cross_fit_calibration = True

    def __init__(
        self,
        *,
        eps: float | None = None,
        min_points: int = 10,
        eps_quantile: float = 0.95,
        max_train: int = 2000,
        windows: Sequence[int] = DEFAULT_WINDOWS,
        season: int | str | None = "auto",
        feature_set: str = "context",
        lags: Sequence[int] = DEFAULT_LAGS,
        fft_window: int | None = None,
        random_state: int | np.random.RandomState | None = None,
    ):
        self.eps = eps
        self.min_points = min_points
        self.eps_quantile = eps_quantile
        self.max_train = max_train
        self.windows = windows
        self.season = season
        self.feature_set = feature_set
        self.lags = lags
        self.fft_window = fft_window
        self.random_state = random_state

    def min_samples(self) -> int:
        check_integer("min_points", self.min_points, minimum=2)
        return super().min_samples()

    def _min_estimator_rows(self) -> int:
        return self.min_points + 1

    def _fit_estimator(self, features: np.ndarray, y: np.ndarray | None) -> None:
        if self.eps is not None:
            check_number("eps", self.eps, low=0.0, high=np.inf, low_open=True, high_open=True)
        check_number("eps_quantile", self.eps_quantile, low=0.0, high=1.0, low_open=True)
        check_integer("max_train", self.max_train, minimum=self.min_points + 1)
        training = subsample_rows(features, self.max_train, self.random_state)
        if self.eps is None:
            self.eps_ = max(self._k_distance_quantile(training), _EPS_FLOOR)
        else:
            self.eps_ = float(self.eps)
        clustering = DBSCAN(eps=self.eps_, min_samples=self.min_points, algorithm=_ALGORITHM).fit(
            training
        )
        core = training[clustering.core_sample_indices_]
        if len(core) == 0:
            raise DataError(
                f"fit: no training row has {self.min_points} neighbours within "
                f"eps={self.eps_:g}; raise `eps` (or leave it None) or lower `min_points`"
            )
        self.n_clusters_ = int(clustering.labels_.max() + 1)
        self.core_index_ = NearestNeighbors(n_neighbors=1, algorithm=_ALGORITHM).fit(core)

    def _k_distance_quantile(self, features: np.ndarray) -> float:
        # Each row is its own nearest neighbour (distance 0), matching DBSCAN's
        # rule that a core sample counts itself among min_points.
        index = NearestNeighbors(n_neighbors=self.min_points, algorithm=_ALGORITHM).fit(features)
        distances, _ = index.kneighbors(features)
        return float(np.quantile(distances[:, -1], self.eps_quantile))

    def _score_estimator(self, features: np.ndarray) -> np.ndarray:
        distances, _ = self.core_index_.kneighbors(features)
        return distances[:, 0] / self.eps_
