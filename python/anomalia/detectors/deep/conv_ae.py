"""1-D convolutional autoencoder scored by reconstruction error."""

from __future__ import annotations

from typing import Any

from anomalia.detectors.deep.base import ReconstructionDetector
from anomalia.detectors.params import check_integer
from anomalia.exceptions import ConfigError


class ConvAutoencoderDetector(ReconstructionDetector):
    """1-D convolutional autoencoder of sliding windows.

    Two strided convolutions (``filters`` then ``code_channels`` channels,
    kernel ``kernel_size``, stride 2, ReLU) compress a window of ``window``
    rows four times in time into a code of ``window / 4 * code_channels``
    numbers; two transposed convolutions expand it back and a last
    convolution maps it to the input columns. The narrow code keeps the
    network from learning the identity, so it reconstructs only the shapes
    it saw in training. Convolutions share
    weights across time, so the model is small and fast on a CPU. A point
    scores by how badly its row is reconstructed as the last row of the
    window ending at it (see :class:`~anomalia.detectors.deep.base.ReconstructionDetector`);
    the first ``window - 1`` rows score 0.

    Parameters
    ----------
    window : int, default 32
        Rows per window; a multiple of 4.
    filters : int, default 32
        Channels of the outer convolutions.
    code_channels : int, default 2
        Channels of the code (the bottleneck).
    kernel_size : int, default 5
        Rows each convolution sees.
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
        Seeds weights and shuffling and makes TensorFlow's ops deterministic
        (process-wide), for repeatable scores.

    Attributes
    ----------
    model_ : keras.Model
    scaler_ : anomalia.preprocess.scaling.RobustScaler
    residual_scale_ : ndarray of shape (n_features,)
    history_ : dict of str to list of float
    best_epoch_ : int
    """

    name = "conv_ae"

    def __init__(
        self,
        *,
        window: int = 32,
        filters: int = 32,
        code_channels: int = 2,
        kernel_size: int = 5,
        epochs: int = 20,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        validation_fraction: float = 0.2,
        patience: int = 3,
        max_windows: int = 4096,
        random_state: int | None = None,
    ):
        self.window = window
        self.filters = filters
        self.code_channels = code_channels
        self.kernel_size = kernel_size
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.max_windows = max_windows
        self.random_state = random_state

    def min_samples(self) -> int:
        self._check_window()
        return super().min_samples()

    def _check_window(self) -> None:
        check_integer("window", self.window, minimum=4)
        if self.window % 4:
            raise ConfigError(
                f"`window` must be a multiple of 4 (two stride-2 convolutions), got {self.window}"
            )

    def _check_architecture(self) -> None:
        self._check_window()
        check_integer("filters", self.filters, minimum=1)
        check_integer("code_channels", self.code_channels, minimum=1)
        check_integer("kernel_size", self.kernel_size, minimum=1)

    def _build_model(self, keras: Any, n_features: int) -> Any:
        conv = keras.layers.Conv1D
        deconv = keras.layers.Conv1DTranspose
        size, wide, narrow = self.kernel_size, self.filters, self.code_channels
        inputs = keras.Input(shape=(self.window, n_features))
        hidden = conv(wide, size, strides=2, padding="same", activation="relu")(inputs)
        code = conv(narrow, size, strides=2, padding="same")(hidden)  # linear code
        hidden = deconv(wide, size, strides=2, padding="same", activation="relu")(code)
        hidden = deconv(wide, size, strides=2, padding="same", activation="relu")(hidden)
        outputs = conv(n_features, size, padding="same")(hidden)
        return keras.Model(inputs, outputs, name=self.name)
