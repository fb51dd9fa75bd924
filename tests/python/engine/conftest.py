"""Fitted stream models for the engine tests: a detector, a threshold, one series."""

from __future__ import annotations

import numpy as np
import pandas as pd

from anomalia.detectors.base import BaseDetector
from anomalia.detectors.registry import make_detector
from anomalia.modelset import SeriesModel
from anomalia.thresholds import make_threshold

#: The four kinds of threshold the engine must stream exactly.
THRESHOLDS = {
    "static": {"method": "static", "value": 2.0},
    "quantile": {"method": "quantile", "contamination": 0.02},
    "spot": {"method": "spot", "risk": 1e-3, "initial_quantile": 0.9, "refit_every": 2},
    "budget": {"method": "budget", "alerts_per_1000": 20, "refit_every": 2},
}

#: Smaller windows than the defaults keep the tests fast; the code paths are the same.
FAST_PARAMS = {
    "zscore": {"window": 24},
    "mad": {"window": 24},
    "arima": {"order": (1, 0, 1)},
    "iforest": {"windows": (6, 24), "n_estimators": 25, "random_state": 0},
    "ocsvm": {"windows": (6, 24)},
    "lof": {"windows": (6, 24)},
    "dbscan": {"windows": (6, 24)},
    "random_forest": {"windows": (6, 24), "n_estimators": 25, "random_state": 0},
    "novelty": {"windows": (1, 4)},
}


def fitted_detector(name: str, values: np.ndarray, labels: np.ndarray) -> BaseDetector:
    detector = make_detector(name)
    detector.set_params(
        **{k: v for k, v in FAST_PARAMS.get(name, {}).items() if k in detector.get_params()}
    )
    return detector.fit(values, labels if detector.requires_labels else None)


def stream_model(
    detector: BaseDetector, train: np.ndarray, spec: dict, calibration: np.ndarray | None = None
) -> SeriesModel:
    if calibration is None:
        calibration = detector.calibration_scores(train)
    return SeriesModel(
        detector=detector,
        threshold=make_threshold(spec).fit(calibration),
        train_end=pd.Timestamp("2024-01-01", tz="UTC"),
        n_train=len(train),
        frequency=pd.Timedelta("5min"),
        calibration=calibration,
    )
