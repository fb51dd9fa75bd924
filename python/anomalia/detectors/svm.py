"""One-class SVM on causal features."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.svm import OneClassSVM

from anomalia.detectors.feature_based import (
    DEFAULT_LAGS,
    DEFAULT_WINDOWS,
    FeatureDetector,
    subsample_rows,
)
from anomalia.detectors.params import check_integer, check_number
from anomalia.exceptions import ConfigError


class OneClassSVMDetector(FeatureDetector):
    """One-class SVM (Schölkopf et al., 2001) with an RBF kernel on causal features.

    The SVM learns a boundary around the standardised training features;
    the score is minus the signed distance to it, so points outside score
    high. Kernel SVMs scale quadratically with the training size, so the
    training rows are subsampled to at most ``max_train``.

    Parameters
    ----------
    nu : float, default 0.05
        Upper bound on the share of training rows outside the boundary, in (0, 1].
    gamma : float or {"scale", "auto"}, default "scale"
        RBF kernel coefficient (see :class:`sklearn.svm.OneClassSVM`).
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
    svm_ : sklearn.svm.OneClassSVM
        The fitted SVM.
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

    name = "ocsvm"
    cross_fit_calibration = True

    def __init__(
        self,
        *,
        nu: float = 0.05,
        gamma: float | str = "scale",
        max_train: int = 2000,
        windows: Sequence[int] = DEFAULT_WINDOWS,
        season: int | str | None = "auto",
        feature_set: str = "context",
        lags: Sequence[int] = DEFAULT_LAGS,
        fft_window: int | None = None,
        random_state: int | np.random.RandomState | None = None,
    ):
        self.nu = nu
        self.gamma = gamma
        self.max_train = max_train
        self.windows = windows
        self.season = season
        self.feature_set = feature_set
        self.lags = lags
        self.fft_window = fft_window
        self.random_state = random_state

    def _fit_estimator(self, features: np.ndarray, y: np.ndarray | None) -> None:
        check_number("nu", self.nu, low=0.0, high=1.0, low_open=True)
        if not (isinstance(self.gamma, str) and self.gamma in ("scale", "auto")):
            if isinstance(self.gamma, str):
                raise ConfigError(
                    f"`gamma` must be 'scale', 'auto' or a positive number, got {self.gamma!r}"
                )
            check_number("gamma", self.gamma, low=0.0, high=np.inf, low_open=True, high_open=True)
        check_integer("max_train", self.max_train, minimum=2)
        training = subsample_rows(features, self.max_train, self.random_state)
        self.svm_ = OneClassSVM(kernel="rbf", nu=self.nu, gamma=self.gamma).fit(training)

    def _score_estimator(self, features: np.ndarray) -> np.ndarray:
        return -self.svm_.decision_function(features)
