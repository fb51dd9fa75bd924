"""Variational autoencoder scored by reconstruction error."""

from __future__ import annotations

from typing import Any

import numpy as np

from anomalia.detectors.deep.reconstruction import ReconstructionDetector
from anomalia.detectors.params import check_integer, check_number


class VariationalAutoencoderDetector(ReconstructionDetector):
    """Variational autoencoder (Kingma and Welling, 2014) of sliding windows.

    A dense encoder (``layers`` hidden layers of ``hidden_units``) maps each
    flattened window of ``window`` input rows to the mean and log-variance of
    a ``latent_dim``-dimensional Gaussian; a sample of it is decoded back into
    the window. Training minimises the mean squared reconstruction error plus
    ``kl_weight`` times the KL divergence from the standard normal prior, per
    window element. Scoring decodes the posterior mean (no sampling, so
    scores are deterministic) and scores the last row's reconstruction
    residual as in :mod:`anomalia.detectors.deep.base`. The window's KL
    divergence is left out of the score on purpose: it stays high for every
    row whose window holds an anomaly, ``window`` rows of state after a
    single spike, which the onset rule then reports as new alarms. Only rows
    up to ``t`` are used.

    Parameters
    ----------
    window : int, default 16
        Rows per window.
    hidden_units : int, default 32
        Units of each hidden dense layer of the encoder and decoder.
    latent_dim : int, default 4
        Dimension of the latent Gaussian.
    kl_weight : float, default 1.0
        Weight of the KL term in the training loss (beta), in [0, 100].
    layers : int, default 1
        Hidden dense layers of the encoder, and of the decoder.
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

    name = "vae"

    def __init__(
        self,
        *,
        window: int = 16,
        hidden_units: int = 32,
        latent_dim: int = 4,
        kl_weight: float = 1.0,
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
        self.hidden_units = hidden_units
        self.latent_dim = latent_dim
        self.kl_weight = kl_weight
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
        check_integer("hidden_units", self.hidden_units, minimum=1)
        check_integer("latent_dim", self.latent_dim, minimum=1)
        check_number("kl_weight", self.kl_weight, low=0.0, high=100.0)

    def _build_model(self, keras: Any, n_features: int) -> Any:
        from anomalia.detectors.deep.layers import GaussianSample

        dense = keras.layers.Dense
        inputs = keras.Input(shape=(self.window, n_features))
        hidden = keras.layers.Flatten()(inputs)
        for _ in range(self.layers):
            hidden = self._dropout(keras, dense(self.hidden_units, activation="relu")(hidden))
        mean = dense(self.latent_dim)(hidden)
        log_var = dense(self.latent_dim)(hidden)
        code, kl = GaussianSample()([mean, log_var])
        hidden = code
        for _ in range(self.layers):
            hidden = self._dropout(keras, dense(self.hidden_units, activation="relu")(hidden))
        flat = dense(self.window * n_features)(hidden)
        outputs = keras.layers.Reshape((self.window, n_features))(flat)
        return keras.Model(inputs, [outputs, kl], name=self.name)

    def _loss(self) -> Any:
        per_element = self.kl_weight / (self.window * self.n_features_in_)

        def kl_loss(_unused_target: Any, kl: Any) -> Any:
            return kl * per_element

        return ["mse", kl_loss]

    def _model_targets(self, targets: np.ndarray) -> Any:
        return [targets, np.zeros(len(targets), dtype=np.float32)]

    def _reconstruction(self, outputs: Any) -> np.ndarray:
        return outputs[0]
