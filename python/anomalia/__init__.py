"""anomalia: time-series anomaly detection behind one interface."""

__version__ = "0.1.0"
