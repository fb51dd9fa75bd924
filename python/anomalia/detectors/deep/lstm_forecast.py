"""LSTM forecaster scored by prediction error (Hundman et al., 2018)."""

from __future__ import annotations

from typing import Any

from anomalia.detectors.deep.forecaster import KerasForecastDetector
from anomalia.detectors.params import check_integer


class LstmForecastDetector(KerasForecastDetector):
    """LSTM one-step-ahead forecaster; a point scores by its forecast error.

    As in Hundman et al. (KDD 2018), an LSTM reads the ``window`` rows before
    each point and forecasts it (all columns jointly); the score is the
    absolute forecast error in units of a robust scale of the training
    errors, worst column (see :class:`~anomalia.detectors.forecast.ForecastResidualDetector`).
    The paper's nonparametric dynamic threshold on exponentially smoothed
    errors is the threshold method ``dynamic``
    (:class:`anomalia.thresholds.DynamicThreshold`); give it to this detector
    with ``train.thresholds`` in the configuration (``docs/deep.md``).
    The default threshold is a quantile of the training scores. The score at ``t``
    uses rows before ``t`` only; the first ``window`` rows score 0.

    Parameters
    ----------
    window : int, default 32
        Rows the forecast looks back.
    units : int, default 32
        Units of each of the two stacked LSTM layers (the paper: 80).
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

    Examples
    --------
    >>> import numpy as np
    >>> x = np.sin(np.arange(1200) / 8) + np.random.default_rng(0).normal(0, 0.1, 1200)
    >>> x[900] += 3
    >>> detector = LstmForecastDetector(epochs=5, random_state=0).fit(x[:800])
    >>> int(np.argmax(detector.score(x)))
    900
    """

    name = "lstm_forecast"

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
        hidden = keras.layers.LSTM(self.units, return_sequences=True)(inputs)
        hidden = keras.layers.LSTM(self.units)(hidden)
        outputs = keras.layers.Dense(n_features)(hidden)
        return keras.Model(inputs, outputs, name=self.name)
