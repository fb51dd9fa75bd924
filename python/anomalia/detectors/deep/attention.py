"""LSTM forecaster with an attention layer over its hidden states."""

from __future__ import annotations

from typing import Any

from anomalia.detectors.deep.forecaster import KerasForecastDetector
from anomalia.detectors.params import check_integer


class LstmAttentionDetector(KerasForecastDetector):
    """LSTM forecaster whose last state attends over all its states (Luong-style).

    ``layers`` stacked LSTMs read the ``window`` input rows before each row;
    the last hidden state is the query of a scaled dot-product attention over
    the hidden states of every row of the window, so the forecast can draw on
    any earlier row rather than only what the last state remembers. The
    context vector and the last state feed a dense layer that forecasts the
    row, all columns jointly; the forecast error is scored as in
    :mod:`anomalia.detectors.deep.base`. The score at ``t`` uses rows before
    ``t`` only.

    Parameters
    ----------
    window : int, default 16
        Rows per window.
    units : int, default 16
        LSTM units (and size of the attention keys and values).
    layers : int, default 1
        Stacked LSTM layers before the attention.
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
    """

    name = "lstm_attention"

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
        states = inputs
        for _ in range(self.layers):
            states = keras.layers.LSTM(self.units, return_sequences=True)(states)
            states = self._dropout(keras, states)
        last = keras.layers.Cropping1D((self.window - 1, 0))(states)  # (batch, 1, units)
        context = keras.layers.Attention(use_scale=True)([last, states])
        joined = keras.layers.Flatten()(keras.layers.Concatenate()([context, last]))
        outputs = keras.layers.Dense(n_features)(joined)
        return keras.Model(inputs, outputs, name=self.name)
