"""Thresholds that stay the same at every timestamp."""

from __future__ import annotations

import numpy as np

from anomalia.thresholds.base import BaseThreshold, check_number


class StaticThreshold(BaseThreshold):
    """A fixed threshold given by the user.

    Needs no fitting; ``fit`` is accepted so it can stand wherever a fitted
    threshold is expected.

    Parameters
    ----------
    value : float, default 3.0
        Scores above ``value`` are flagged.

    Attributes
    ----------
    threshold_ : float
        ``value``, set by ``fit``.

    Examples
    --------
    >>> StaticThreshold(value=2.0).flag([1.0, 2.0, 2.5])
    array([0, 0, 1])
    """

    name = "static"
    requires_fit = False

    def __init__(self, *, value: float = 3.0):
        self.value = value

    def validate_params(self) -> None:
        check_number("value", self.value)

    def _fit(self, scores: np.ndarray) -> None:
        self.threshold_ = float(self.value)

    def _thresholds(self, scores: np.ndarray) -> np.ndarray:
        return np.full(scores.size, float(self.value))


class QuantileThreshold(BaseThreshold):
    """The ``1 - contamination`` quantile of the training scores.

    On new scores from the training distribution, about a ``contamination``
    share is flagged.

    Parameters
    ----------
    contamination : float, default 0.01
        Expected share of anomalies, in (0, 0.5].

    Attributes
    ----------
    threshold_ : float
        The learned quantile.

    Examples
    --------
    >>> import numpy as np
    >>> threshold = QuantileThreshold(contamination=0.1).fit(np.arange(11.0))
    >>> threshold.threshold_
    9.0
    """

    name = "quantile"

    def __init__(self, *, contamination: float = 0.01):
        self.contamination = contamination

    def validate_params(self) -> None:
        check_number("contamination", self.contamination, low=0.0, high=0.5, closed="right")

    def _fit(self, scores: np.ndarray) -> None:
        self.threshold_ = float(np.quantile(scores, 1.0 - self.contamination))

    def _thresholds(self, scores: np.ndarray) -> np.ndarray:
        return np.full(scores.size, self.threshold_)
