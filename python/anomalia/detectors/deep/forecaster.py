"""A Keras network forecasting the next row, on the shared forecast-residual base.

:class:`KerasForecastDetector` is
:class:`~anomalia.detectors.forecast.ForecastResidualDetector` with one
network forecasting all columns jointly from the ``window`` rows before each
point; the base turns forecasts into scores (absolute residual over a robust
scale of the training residuals, worst column). The forecast at ``t`` uses
rows ``t - window .. t - 1`` only, so the detectors are causal; the first
``window`` rows have no forecast and score 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from anomalia.detectors.deep.base import KerasDetectorMixin
from anomalia.detectors.forecast import ForecastResidualDetector
from anomalia.preprocess.scaling import RobustScaler
from anomalia.preprocess.windows import sliding_windows


class KerasForecastDetector(KerasDetectorMixin, ForecastResidualDetector):
    """Base class: subclasses build a network mapping (window, n_features) to (n_features,).

    The network lives in ``model_``; ``forecasters_`` stays empty.
    """

    causal = True

    def _check_architecture(self) -> None:
        """Check the family's own parameters; raise ConfigError."""

    def _fit_forecasters(self, X: np.ndarray) -> list[Any]:
        self._check_training_params()
        self._check_architecture()
        self.scaler_ = RobustScaler().fit(X)
        self._fit_network(self.scaler_.transform(X).astype(np.float32), horizon=1)
        return []

    def _forecast_all(self, X: np.ndarray) -> np.ndarray:
        from anomalia.detectors.deep.training import predict_windows

        forecasts = np.full(X.shape, np.nan)
        if len(X) > self.window:
            scaled = self.scaler_.transform(X).astype(np.float32)
            # Windows ending one row before each forecast row: nothing from t itself.
            windows = sliding_windows(scaled[:-1], self.window)
            predicted = predict_windows(self.model_, windows, lambda batch, outputs: outputs)
            forecasts[self.window :] = self.scaler_.inverse_transform(predicted.astype(np.float64))
        return forecasts
