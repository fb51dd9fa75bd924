"""1-D convolutional autoencoder scored by reconstruction error."""

from __future__ import annotations

from typing import Any

from anomalia.detectors.deep.reconstruction import ReconstructionDetector
from anomalia.detectors.params import check_integer
from anomalia.exceptions import ConfigError


class ConvAutoencoderDetector(ReconstructionDetector):
    """1-D convolutional autoencoder of sliding windows.

    ``layers`` strided convolutions (stride 2, kernel ``kernel_size``, ReLU;
    ``filters`` channels, the last ``code_channels`` and linear) compress a
    window of ``window`` rows ``2 ** layers`` times in time; as many
    transposed convolutions expand it back and a last convolution maps it to
    the input columns. The narrow code keeps the network from learning the
    identity. A row is expected to be the last row of the reconstructed
    window ending at it; its residual is scored as in
    :mod:`anomalia.detectors.deep.base` (robust z, smoothing, onsets).

    Parameters
    ----------
    window : int, default 16
        Rows per window. A multiple of ``2 ** layers``.
    filters : int, default 16
        Channels of the hidden convolutions (the family's units).
    code_channels : int, default 2
        Channels of the code (the bottleneck).
    kernel_size : int, default 5
        Rows each convolution sees.
    layers : int, default 2
        Strided convolutions of the encoder (and transposed ones of the decoder).
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

    name = "conv_ae"

    def __init__(
        self,
        *,
        window: int = 16,
        filters: int = 16,
        code_channels: int = 2,
        kernel_size: int = 5,
        layers: int = 2,
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
        self.filters = filters
        self.code_channels = code_channels
        self.kernel_size = kernel_size
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

    def min_samples(self) -> int:
        self._check_window()
        return super().min_samples()

    def _check_window(self) -> None:
        check_integer("layers", self.layers, minimum=1)
        check_integer("window", self.window, minimum=2**self.layers)
        if self.window % 2**self.layers:
            raise ConfigError(
                f"`window` must be a multiple of {2**self.layers} ({self.layers} stride-2 "
                f"convolutions), got {self.window}"
            )

    def _check_architecture(self) -> None:
        self._check_window()
        check_integer("filters", self.filters, minimum=1)
        check_integer("code_channels", self.code_channels, minimum=1)
        check_integer("kernel_size", self.kernel_size, minimum=1)

    def _build_model(self, keras: Any, n_features: int) -> Any:
        conv = keras.layers.Conv1D
        deconv = keras.layers.Conv1DTranspose
        size, wide = self.kernel_size, self.filters
        inputs = keras.Input(shape=(self.window, n_features))
        hidden = inputs
        for _ in range(self.layers - 1):
            hidden = conv(wide, size, strides=2, padding="same", activation="relu")(hidden)
            hidden = self._dropout(keras, hidden)
        hidden = conv(self.code_channels, size, strides=2, padding="same")(hidden)  # linear code
        for _ in range(self.layers):
            hidden = deconv(wide, size, strides=2, padding="same", activation="relu")(hidden)
            hidden = self._dropout(keras, hidden)
        outputs = conv(n_features, size, padding="same")(hidden)
        return keras.Model(inputs, outputs, name=self.name)
