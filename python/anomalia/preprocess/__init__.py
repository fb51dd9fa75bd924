"""Preparing series for detectors: regular grids, gap filling, scaling, windows.

The usual order is :func:`regularise` (one point per step, gaps listed),
:func:`fill_missing` (gaps filled and flagged), then a scaler from
:func:`make_scaler` fitted on training data, and :func:`sliding_windows`
for detectors that score windows, whose scores :func:`windows_to_points`
maps back to timestamps.
"""

from anomalia.preprocess.impute import FILL_METHODS, fill_missing
from anomalia.preprocess.resample import infer_frequency, regularise
from anomalia.preprocess.scaling import (
    IdentityScaler,
    MinMaxScaler,
    RobustScaler,
    Scaler,
    StandardScaler,
    make_scaler,
)
from anomalia.preprocess.windows import sliding_windows, windows_to_points

__all__ = [
    "FILL_METHODS",
    "IdentityScaler",
    "MinMaxScaler",
    "RobustScaler",
    "Scaler",
    "StandardScaler",
    "fill_missing",
    "infer_frequency",
    "make_scaler",
    "regularise",
    "sliding_windows",
    "windows_to_points",
]
