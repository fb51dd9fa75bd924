"""A Keras network forecasting the next row: the deep forecasters' shared base.

:class:`KerasForecastDetector` is :class:`~anomalia.detectors.deep.base.DeepDetector`
with one network forecasting all columns jointly from the ``window`` input
rows before each row; the residual of that forecast is scored like every deep
detector's (robust z, smoothing, onsets). The forecast at ``t`` uses rows
before ``t`` only, so the detectors are causal; the first
:meth:`~anomalia.detectors.deep.base.DeepDetector.warmup_rows` rows have no
forecast and score 0.

Not on :class:`~anomalia.detectors.forecast.ForecastResidualDetector`: that
base scores the raw residual of each point, while the deep pipeline models
increments and scores onsets of smoothed residuals, the same for
forecasters and autoencoders.
"""

from __future__ import annotations

import numpy as np

from anomalia.detectors.deep.base import DeepDetector
from anomalia.preprocess.windows import sliding_windows


class KerasForecastDetector(DeepDetector):
    """Base class: subclasses build a network mapping (window, n_features) to (n_features,)."""

    horizon = 1

    def _expectations(self, inputs: np.ndarray) -> np.ndarray:
        from anomalia.detectors.deep.training import predict_windows

        expected = np.full(inputs.shape, np.nan, dtype=np.float32)
        if len(inputs) > self.window:
            # Windows ending one row before each forecast row: nothing from t itself.
            windows = sliding_windows(inputs[:-1], self.window)
            expected[self.window :] = predict_windows(
                self.model_, windows, lambda batch, outputs: outputs
            )
        return expected
