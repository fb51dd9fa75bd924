"""Causal feature builders for time series.

Every feature at row ``t`` uses only rows ``0..t`` (and the timestamp of row
``t``), so the same features can be computed on a stream as it arrives.
:func:`make_features` is the checked entry point; the building blocks it
assembles are exported for custom pipelines.
"""

from anomalia.features.builder import make_features
from anomalia.features.calendar import calendar_features
from anomalia.features.context import context_features
from anomalia.features.lags import difference_features, lag_features
from anomalia.features.rolling import rolling_features
from anomalia.features.season import detect_season
from anomalia.features.spectral import band_edges, band_energies

__all__ = [
    "band_edges",
    "band_energies",
    "calendar_features",
    "context_features",
    "detect_season",
    "difference_features",
    "lag_features",
    "make_features",
    "rolling_features",
]
