"""LSTM autoencoder scored by reconstruction error."""

from __future__ import annotations

from typing import Any

from anomalia.detectors.deep.reconstruction import ReconstructionDetector
from anomalia.detectors.params import check_integer


class LstmAutoencoderDetector(ReconstructionDetector):
    """LSTM autoencoder (Malhotra et al., 2016) of sliding windows.

    ``layers`` stacked LSTMs encode each window of ``window`` input rows into
    the last hidden state (``units`` numbers); the state is repeated
    ``window`` times and as many LSTMs with a dense output layer decode it
    back into the window. A row is expected to be the last row of the
    reconstructed window ending at it; its score is the residual scored as
    in :mod:`anomalia.detectors.deep.base` (robust z, smoothing, onsets), so
    the score at ``t`` uses rows up to ``t`` only.

    Parameters
    ----------
    window : int, default 16
        Rows per window.
    units : int, default 16
        LSTM units of each encoder and decoder layer (the code size).
    layers : int, default 1
        LSTM layers of the encoder, and of the decoder.
    dropout : float, default 0.0
        Dropout rate after each hidden layer, in [0, 1).
    optimizer : {"adam", "rmsprop", "sgd"}, default "adam"
    learning_rate : float, default 1e-3
        The optimizer's step size.
    batch_size : int, default 64
    epochs : int, default 5
        Most training epochs; early stopping usually ends sooner.
    validation_fraction : float, default 0.2
        Last share of the training rows whose windows form the validation
        set of early stopping, in (0, 0.5].
    patience : int, default 2
        Epochs without a lower validation loss before training stops; the
        weights of the best epoch are kept.
    max_windows : int, default 512
        Most training windows: longer series are subsampled with an even stride.
    difference : bool, default True
        Model the increments of the series rather than its values (change,
        not state: see :mod:`anomalia.detectors.deep.base`).
    smoothing : int, default 1
        Rows over which the residual score is averaged (causally).
    onset_window : int, float or None, default 0.75
        Keep a score only where it exceeds every score of this many rows
        before (a float: that share of the training rows); None keeps all.
    random_state : int or None, default 0
        Seeds weights, shuffling and dropout and makes TensorFlow's ops
        deterministic (process-wide), for repeatable scores.

    Attributes
    ----------
    model_ : keras.Model
    scaler_ : anomalia.preprocess.scaling.RobustScaler
    step_scale_ : ndarray of shape (n_features,)
    residual_scale_ : ndarray of shape (n_features,)
    onset_rows_ : int or None
    mse_ : float
    history_ : dict of str to list of float
    best_epoch_ : int

    Examples
    --------
    >>> import numpy as np
    >>> x = np.sin(np.arange(1200) / 8) + np.random.default_rng(0).normal(0, 0.1, 1200)
    >>> x[900] += 3
    >>> detector = LstmAutoencoderDetector(epochs=5).fit(x[:800])
    >>> int(np.argmax(detector.score(x)))
    900
    """

    name = "lstm_ae"

    def __init__(
        self,
        *,
        window: int = 16,
        units: int = 16,
        layers: int = 1,
        dropout: float = 0.0,
        optimizer: str = "adam",
        learning_rate: float = 1e-3,
        batch_size: int = 64,
        epochs: int = 5,
        validation_fraction: float = 0.2,
        patience: int = 2,
        max_windows: int = 512,
        difference: bool = True,
        smoothing: int = 1,
        onset_window: int | float | None = 0.75,
        random_state: int | None = 0,
    ):
        self.window = window
        self.units = units
        self.layers = layers
        self.dropout = dropout
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.max_windows = max_windows
        self.difference = difference
        self.smoothing = smoothing
        self.onset_window = onset_window
        self.random_state = random_state

    def _check_architecture(self) -> None:
        check_integer("units", self.units, minimum=1)

    def _build_model(self, keras: Any, n_features: int) -> Any:
        inputs = keras.Input(shape=(self.window, n_features))
        hidden = inputs
        for layer in range(self.layers):
            last = layer == self.layers - 1
            hidden = keras.layers.LSTM(self.units, return_sequences=not last)(hidden)
            hidden = self._dropout(keras, hidden)
        hidden = keras.layers.RepeatVector(self.window)(hidden)
        for _ in range(self.layers):
            hidden = keras.layers.LSTM(self.units, return_sequences=True)(hidden)
            hidden = self._dropout(keras, hidden)
        outputs = keras.layers.Dense(n_features)(hidden)
        return keras.Model(inputs, outputs, name=self.name)
