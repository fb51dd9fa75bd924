"""Isolation forest on causal features."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.ensemble import IsolationForest

from anomalia.detectors.feature_based import DEFAULT_LAGS, DEFAULT_WINDOWS, FeatureDetector
from anomalia.detectors.params import check_integer
from anomalia.exceptions import ConfigError


class IsolationForestDetector(FeatureDetector):
    """Isolation forest (Liu et al., 2008) on standardised causal features.

    Each timestamp becomes a row of features from
    :func:`anomalia.features.make_features`; points that random axis-aligned
    splits isolate quickly score high.

    Parameters
    ----------
    n_estimators : int, default 100
        Number of trees.
    max_samples : int, float or "auto", default "auto"
        Rows drawn to build each tree: a count, a fraction of the training
        rows, or ``min(256, n_samples)``.
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
        Seeds the trees; fix it for repeatable scores.

    Attributes
    ----------
    forest_ : sklearn.ensemble.IsolationForest
        The fitted forest.
    scaler_ : sklearn.preprocessing.StandardScaler
        Feature standardisation fitted on the training data.
    feature_names_ : list of str
        Names of the ``n_features`` feature columns.
    season_ : int or None
        Season length of the seasonal features: ``season``, or the period
        found in the training values; None for none.
    warmup_ : int
        Leading rows (the longest lookback minus one) that score 0.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.sin(np.arange(1000) / 10); x[600] += 4
    >>> detector = IsolationForestDetector(random_state=0).fit(x)
    >>> int(np.argmax(detector.score(x)))
    600
    """

    name = "iforest"

    def __init__(
        self,
        *,
        n_estimators: int = 100,
        max_samples: int | float | str = "auto",
        windows: Sequence[int] = DEFAULT_WINDOWS,
        season: int | str | None = "auto",
        feature_set: str = "context",
        lags: Sequence[int] = DEFAULT_LAGS,
        fft_window: int | None = None,
        random_state: int | np.random.RandomState | None = None,
    ):
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.windows = windows
        self.season = season
        self.feature_set = feature_set
        self.lags = lags
        self.fft_window = fft_window
        self.random_state = random_state

    def _fit_estimator(self, features: np.ndarray, y: np.ndarray | None) -> None:
        check_integer("n_estimators", self.n_estimators, minimum=1)
        _check_max_samples(self.max_samples)
        self.forest_ = IsolationForest(
            n_estimators=self.n_estimators,
            max_samples=self.max_samples,
            random_state=self.random_state,
        ).fit(features)

    def _score_estimator(self, features: np.ndarray) -> np.ndarray:
        # sklearn's score_samples is higher for normal points; negate it.
        return -self.forest_.score_samples(features)


def _check_max_samples(value: object) -> None:
    is_count = isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 2
    is_fraction = isinstance(value, (float, np.floating)) and 0.0 < value <= 1.0
    if not (is_count or is_fraction or (isinstance(value, str) and value == "auto")):
        raise ConfigError(
            f"`max_samples` must be 'auto', an integer >= 2 or a fraction in (0, 1], got {value!r}"
        )
