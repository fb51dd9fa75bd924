"""Detectors behind one interface; see :mod:`anomalia.detectors.base`."""

from anomalia.detectors.base import BaseDetector
from anomalia.detectors.registry import available_detectors, get_detector_class, make_detector

__all__ = ["BaseDetector", "available_detectors", "get_detector_class", "make_detector"]
