"""LSTM forecaster with an attention layer over its hidden states."""

from __future__ import annotations

from typing import Any

from anomalia.detectors.deep.forecaster import KerasForecastDetector
from anomalia.detectors.params import check_integer


class LstmAttentionDetector(KerasForecastDetector):
    """LSTM forecaster whose last state attends over all its states (Luong-style).

    An LSTM reads the ``window`` rows before each point; its last hidden state
    is the query of a scaled dot-product attention over the hidden states of
    every row of the window, so the forecast can draw on any earlier row (a
    season, a pattern) rather than only what the last state remembers. The
    context vector and the last state feed a dense layer that forecasts the
    point, all columns jointly. Scoring is that of
    :class:`~anomalia.detectors.forecast.ForecastResidualDetector`: the
    absolute forecast error over a robust scale of the training errors,
    worst column. The score at ``t`` uses rows before ``t`` only; the first
    ``window`` rows score 0.

    Parameters
    ----------
    window : int, default 32
        Rows the forecast looks back.
    units : int, default 32
        LSTM units (and size of the attention keys and values).
    epochs : int, default 20
        Most training epochs; early stopping usually ends sooner.
    batch_size : int, default 128
    learning_rate : float, default 1e-3
        Adam's step size.
    validation_fraction : float, default 0.2
        Last share of the training rows whose forecasts form the validation
        set of early stopping, in (0, 0.5].
    patience : int, default 3
        Epochs without a lower validation loss before training stops; the
        weights of the best epoch are kept.
    max_windows : int, default 4096
        Most training windows: longer series are subsampled with an even stride.
    random_state : int or None, default None
        Seeds weights and shuffling and makes TensorFlow's ops deterministic
        (process-wide), for repeatable scores.

    Attributes
    ----------
    model_ : keras.Model
    scaler_ : anomalia.preprocess.scaling.RobustScaler
    residual_scale_ : ndarray of shape (n_features,)
        Robust scale of each column's training forecast errors.
    history_ : dict of str to list of float
    best_epoch_ : int
    """

    name = "lstm_attention"

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
        states = keras.layers.LSTM(self.units, return_sequences=True)(inputs)
        last = keras.layers.Cropping1D((self.window - 1, 0))(states)  # (batch, 1, units)
        context = keras.layers.Attention(use_scale=True)([last, states])
        joined = keras.layers.Flatten()(keras.layers.Concatenate()([context, last]))
        outputs = keras.layers.Dense(n_features)(joined)
        return keras.Model(inputs, outputs, name=self.name)
