"""LSTM autoencoder scored by reconstruction error."""

from __future__ import annotations

from typing import Any

from anomalia.detectors.deep.base import ReconstructionDetector
from anomalia.detectors.params import check_integer


class LstmAutoencoderDetector(ReconstructionDetector):
    """LSTM autoencoder (Malhotra et al., 2016) of sliding windows.

    An LSTM encodes each window of ``window`` rows into its last hidden state
    (``units`` numbers); the state is repeated ``window`` times and a second
    LSTM with a dense output layer decodes it back into the window. A point
    scores by how badly its row is reconstructed as the last row of the
    window ending at it (see :class:`~anomalia.detectors.deep.base.ReconstructionDetector`),
    so the score at ``t`` uses rows up to ``t`` only; the first
    ``window - 1`` rows score 0.

    Parameters
    ----------
    window : int, default 32
        Rows per window.
    units : int, default 32
        LSTM units of the encoder and of the decoder (the code size).
    epochs : int, default 20
        Most training epochs; early stopping usually ends sooner.
    batch_size : int, default 128
    learning_rate : float, default 1e-3
        Adam's step size.
    validation_fraction : float, default 0.2
        Last share of the training rows whose windows form the validation
        set of early stopping, in (0, 0.5].
    patience : int, default 3
        Epochs without a lower validation loss before training stops; the
        weights of the best epoch are kept.
    max_windows : int, default 4096
        Most training windows: longer series are subsampled with an even
        stride, so fitting time stops growing with the series.
    random_state : int or None, default None
        Seeds weights and shuffling and makes TensorFlow's ops deterministic
        (process-wide), for repeatable scores.

    Attributes
    ----------
    model_ : keras.Model
    scaler_ : anomalia.preprocess.scaling.RobustScaler
    residual_scale_ : ndarray of shape (n_features,)
    history_ : dict of str to list of float
    best_epoch_ : int

    Examples
    --------
    >>> import numpy as np
    >>> x = np.sin(np.arange(1200) / 8) + np.random.default_rng(0).normal(0, 0.1, 1200)
    >>> x[900] += 3
    >>> detector = LstmAutoencoderDetector(epochs=5, random_state=0).fit(x[:800])
    >>> int(np.argmax(detector.score(x)))
    900
    """

    name = "lstm_ae"

    def __init__(
        self,
        *,
        window: int = 32,
        units: int = 32,
        epochs: int = 20,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        validation_fraction: float = 0.2,
        patience: int = 3,
        max_windows: int = 4096,
        random_state: int | None = None,
    ):
        self.window = window
        self.units = units
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.max_windows = max_windows
        self.random_state = random_state

    def _check_architecture(self) -> None:
        check_integer("units", self.units, minimum=1)

    def _build_model(self, keras: Any, n_features: int) -> Any:
        inputs = keras.Input(shape=(self.window, n_features))
        code = keras.layers.LSTM(self.units)(inputs)
        repeated = keras.layers.RepeatVector(self.window)(code)
        decoded = keras.layers.LSTM(self.units, return_sequences=True)(repeated)
        outputs = keras.layers.Dense(n_features)(decoded)
        return keras.Model(inputs, outputs, name=self.name)
