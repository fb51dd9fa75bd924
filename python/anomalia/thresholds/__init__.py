"""Turning anomaly scores into 0/1 flags.

Every threshold has ``fit(train_scores)``, ``thresholds(scores)`` (one
threshold per timestamp) and ``flag(scores)``; :func:`make_threshold` builds
one from a config spec such as ``{"method": "pot", "risk": 1e-4}``.
"""

from anomalia.thresholds.base import BaseThreshold
from anomalia.thresholds.dynamic import DynamicThreshold
from anomalia.thresholds.pot import PeaksOverThreshold, StreamingPOT
from anomalia.thresholds.registry import (
    THRESHOLDS,
    available_thresholds,
    get_threshold_class,
    make_threshold,
)
from anomalia.thresholds.static import QuantileThreshold, StaticThreshold

__all__ = [
    "THRESHOLDS",
    "BaseThreshold",
    "DynamicThreshold",
    "PeaksOverThreshold",
    "QuantileThreshold",
    "StaticThreshold",
    "StreamingPOT",
    "available_thresholds",
    "get_threshold_class",
    "make_threshold",
]
