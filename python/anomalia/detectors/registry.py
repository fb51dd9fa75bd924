"""Names used in configs and the CLI, mapped to detector classes.

Classes are imported on demand, so a heavy dependency (TensorFlow, rpy2) is
loaded only when a detector that needs it is asked for. Adding a detector is
one module plus one line here.
"""

from __future__ import annotations

import importlib
from typing import Any

from anomalia.detectors.base import BaseDetector
from anomalia.exceptions import ConfigError

DETECTORS: dict[str, str] = {
    "zscore": "anomalia.detectors.statistical:RollingZScore",
    "mad": "anomalia.detectors.statistical:RobustMAD",
    "arima": "anomalia.detectors.forecast:ArimaDetector",
    "iforest": "anomalia.detectors.isolation:IsolationForestDetector",
    "ocsvm": "anomalia.detectors.svm:OneClassSVMDetector",
    "lof": "anomalia.detectors.neighbors:LocalOutlierFactorDetector",
    "dbscan": "anomalia.detectors.clustering:DBSCANDetector",
    "random_forest": "anomalia.detectors.supervised:RandomForestDetector",
    "ensemble": "anomalia.detectors.ensemble:EnsembleDetector",
    "stacking": "anomalia.detectors.ensemble:StackedEnsemble",
    "novelty": "anomalia.detectors.novelty:ValueNoveltyDetector",
    "pca": "anomalia.detectors.multivariate:PcaDetector",
    "auto": "anomalia.detectors.auto:AutoDetector",
    "lstm_forecast": "anomalia.detectors.deep.lstm_forecast:LstmForecastDetector",
    "lstm_attention": "anomalia.detectors.deep.attention:LstmAttentionDetector",
    "lstm_ae": "anomalia.detectors.deep.lstm_ae:LstmAutoencoderDetector",
    "conv_ae": "anomalia.detectors.deep.conv_ae:ConvAutoencoderDetector",
    "vae": "anomalia.detectors.deep.vae:VariationalAutoencoderDetector",
    "sarima": "anomalia.r.detectors:SarimaDetector",
    "stl": "anomalia.r.detectors:StlDetector",
}


#: Families that need a heavy optional runtime (TensorFlow, R) and take much
#: longer to fit: benchmarks over "every detector" run them only when named.
OPT_IN_FAMILIES = ("anomalia.detectors.deep.", "anomalia.r.")


def available_detectors() -> list[str]:
    """Return the registered detector names, sorted."""
    return sorted(DETECTORS)


def core_detectors() -> list[str]:
    """Registered detectors outside :data:`OPT_IN_FAMILIES`, sorted."""
    return [
        name for name in available_detectors() if not DETECTORS[name].startswith(OPT_IN_FAMILIES)
    ]


def get_detector_class(name: str) -> type[BaseDetector]:
    """Import and return the detector class registered as ``name``."""
    from anomalia.detectors.params import check_detector_name

    check_detector_name(name)
    target = DETECTORS[name]
    module_name, class_name = target.split(":")
    return getattr(importlib.import_module(module_name), class_name)


def make_detector(name: str, **params: Any) -> BaseDetector:
    """Build the detector registered as ``name`` with ``params``."""
    detector_cls = get_detector_class(name)
    try:
        return detector_cls(**params)
    except TypeError as error:
        raise ConfigError(f"detector `{name}`: {error}") from None
