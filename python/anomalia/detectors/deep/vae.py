"""Variational autoencoder scored by reconstruction error plus KL divergence."""

from __future__ import annotations

from typing import Any

import numpy as np

from anomalia.detectors.deep.base import ReconstructionDetector
from anomalia.detectors.params import check_integer, check_number


class VariationalAutoencoderDetector(ReconstructionDetector):
    """Variational autoencoder (Kingma and Welling, 2014) of sliding windows.

    A dense encoder maps each flattened window of ``window`` rows to the mean
    and log-variance of a ``latent_dim``-dimensional Gaussian; a sample of it
    is decoded back into the window. Training minimises the mean squared
    reconstruction error plus ``kl_weight`` times the KL divergence from the
    standard normal prior, per window element. Scoring uses the posterior
    mean (no sampling, so scores are deterministic): the score at ``t`` is

        0.5 * sum_f ((x[t, f] - x̂[t, f]) / s_f) ** 2 + KL(window ending at t) / window

    the negative log-likelihood of row ``t`` under a Gaussian around its
    reconstruction with the training residual scale ``s_f`` (up to a
    constant), plus the window's share of KL per row: a point scores high when
    it is badly reconstructed or its window's code is far from what the
    encoder learned. Only rows up to ``t`` are used; the first ``window - 1``
    rows score 0.

    Parameters
    ----------
    window : int, default 32
        Rows per window.
    hidden_units : int, default 64
        Units of the encoder's and decoder's hidden dense layer.
    latent_dim : int, default 4
        Dimension of the latent Gaussian.
    kl_weight : float, default 1.0
        Weight of the KL term in the training loss (beta), in [0, 100].
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
        Most training windows: longer series are subsampled with an even stride.
    random_state : int or None, default None
        Seeds weights, sampling and shuffling and makes TensorFlow's ops
        deterministic (process-wide), for repeatable scores.

    Attributes
    ----------
    model_ : keras.Model
        Outputs the reconstructed windows and each window's KL divergence.
    scaler_ : anomalia.preprocess.scaling.RobustScaler
    residual_scale_ : ndarray of shape (n_features,)
    history_ : dict of str to list of float
    best_epoch_ : int
    """

    name = "vae"

    def __init__(
        self,
        *,
        window: int = 32,
        hidden_units: int = 64,
        latent_dim: int = 4,
        kl_weight: float = 1.0,
        epochs: int = 20,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        validation_fraction: float = 0.2,
        patience: int = 3,
        max_windows: int = 4096,
        random_state: int | None = None,
    ):
        self.window = window
        self.hidden_units = hidden_units
        self.latent_dim = latent_dim
        self.kl_weight = kl_weight
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.max_windows = max_windows
        self.random_state = random_state

    def _check_architecture(self) -> None:
        check_integer("hidden_units", self.hidden_units, minimum=1)
        check_integer("latent_dim", self.latent_dim, minimum=1)
        check_number("kl_weight", self.kl_weight, low=0.0, high=100.0)

    def _build_model(self, keras: Any, n_features: int) -> Any:
        from anomalia.detectors.deep.layers import GaussianSample

        dense = keras.layers.Dense
        inputs = keras.Input(shape=(self.window, n_features))
        hidden = dense(self.hidden_units, activation="relu")(keras.layers.Flatten()(inputs))
        mean = dense(self.latent_dim)(hidden)
        log_var = dense(self.latent_dim)(hidden)
        code, kl = GaussianSample()([mean, log_var])
        hidden = dense(self.hidden_units, activation="relu")(code)
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

    def _window_scores(self, scaled: np.ndarray) -> np.ndarray:
        from anomalia.detectors.deep.training import predict_windows
        from anomalia.preprocess.windows import sliding_windows

        def residuals_and_kl(batch: np.ndarray, outputs: Any) -> np.ndarray:
            residuals = outputs[0][:, -1, :] - batch[:, -1, :]
            return np.column_stack([residuals, outputs[1]])

        columns = predict_windows(
            self.model_, sliding_windows(scaled, self.window), residuals_and_kl
        )
        residuals, kl = columns[:, :-1], columns[:, -1]
        return 0.5 * ((residuals / self.residual_scale_) ** 2).sum(axis=1) + kl / self.window
