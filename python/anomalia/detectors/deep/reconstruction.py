"""An autoencoder of windows: the deep reconstruction detectors' shared base.

:class:`ReconstructionDetector` is :class:`~anomalia.detectors.deep.base.DeepDetector`
with a network that reconstructs each window; a row's expectation is the last
row of the reconstructed window ending at it, scored like every deep
detector's (robust z, onsets). The score at ``t`` uses rows up to ``t`` only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from anomalia.detectors.deep.base import DeepDetector
from anomalia.preprocess.windows import sliding_windows


class ReconstructionDetector(DeepDetector):
    """Base class: an autoencoder of windows; a row's expectation is its reconstruction.

    The expectation of input row ``t`` is the last row of the reconstructed
    window ending at ``t``.
    """

    horizon = 0

    def _expectations(self, inputs: np.ndarray) -> np.ndarray:
        from anomalia.detectors.deep.training import predict_windows

        expected = np.full(inputs.shape, np.nan, dtype=np.float32)
        if len(inputs) >= self.window:
            expected[self.window - 1 :] = predict_windows(
                self.model_,
                sliding_windows(inputs, self.window),
                lambda batch, outputs: self._reconstruction(outputs)[:, -1, :],
            )
        return expected

    def _reconstruction(self, outputs: Any) -> np.ndarray:
        """The reconstructed windows among the model's outputs."""
        return outputs
