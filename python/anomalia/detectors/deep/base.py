"""What every deep detector shares: windows, scaling, training, scoring, persistence.

:class:`KerasDetectorMixin` turns a Keras model into a detector's fitted
state: it scales the series with a robust scaler fitted on the training data
only, cuts windows without copying the series, trains with a time-ordered
validation split and early stopping, and saves the model as a ``.keras``
file beside the saved state. :class:`ReconstructionDetector` scores with
an autoencoder; the forecasters combine the mixin with
:class:`~anomalia.detectors.forecast.ForecastResidualDetector`.

Causality: the score at ``t`` comes from the window of ``window`` rows
ending at ``t`` (forecasters: ending at ``t - 1``), so it never depends on
later rows; the first ``window - 1`` rows (forecasters: ``window``) have no
complete window and score 0.
"""

from __future__ import annotations

import json
import logging
import math
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from anomalia.detectors.base import BaseDetector
from anomalia.detectors.deep.runtime import device_name, import_keras, seed_everything
from anomalia.detectors.params import check_integer, check_number
from anomalia.exceptions import ConfigError, DataError
from anomalia.preprocess.scaling import RobustScaler
from anomalia.preprocess.windows import sliding_windows

log = logging.getLogger("anomalia.detectors.deep")

MODEL_FILE = "model.keras"
TRAINING_FILE = "training.json"
_MAD_TO_STD = 1.4826
# Residual scales below this (in robust-scaled units) are floored: a perfectly
# reconstructed column must not give infinite scores.
_SCALE_FLOOR = 1e-3


def robust_residual_scale(residuals: np.ndarray) -> np.ndarray:
    """1.4826 * MAD of each column of ``residuals``, floored to stay positive."""
    center = np.median(residuals, axis=0)
    mad = np.median(np.abs(residuals - center), axis=0)
    return np.maximum(mad * _MAD_TO_STD, _SCALE_FLOOR)


class KerasDetectorMixin:
    """Training and persistence of a Keras model; put it before the detector base class.

    A subclass defines the parameters ``window``, ``epochs``, ``batch_size``,
    ``learning_rate``, ``validation_fraction``, ``patience``,
    ``max_windows`` and ``random_state`` and implements :meth:`_build_model`.

    Attributes
    ----------
    model_ : keras.Model
        The trained network (saved as ``model.keras``, not pickled).
    scaler_ : anomalia.preprocess.scaling.RobustScaler
        Median/IQR scaling fitted on the training data only.
    history_ : dict of str to list of float
        ``loss`` and ``val_loss`` per epoch run.
    best_epoch_ : int
        Epoch (from 1) whose weights were kept.
    device_ : str
        ``"CPU"`` or ``"GPU"``: where the model was trained.
    fit_seconds_ : float
        Wall time of the training loop.
    """

    #: Parameters small enough for quick tests (tiny epochs); see ``tests/python/detectors``.
    test_params: ClassVar[dict[str, Any]] = {"window": 16, "epochs": 2, "max_windows": 256}

    window: int
    epochs: int
    batch_size: int
    learning_rate: float
    validation_fraction: float
    patience: int
    max_windows: int
    random_state: int | None

    def min_samples(self) -> int:
        check_integer("window", self.window, minimum=2)
        # Room for training windows and validation windows after them.
        return 2 * self.window + 1

    def _check_training_params(self) -> None:
        check_integer("window", self.window, minimum=2)
        check_integer("epochs", self.epochs, minimum=1)
        check_integer("batch_size", self.batch_size, minimum=1)
        check_integer("patience", self.patience, minimum=0)
        check_integer("max_windows", self.max_windows, minimum=1)
        check_number(
            "validation_fraction", self.validation_fraction, low=0.0, high=0.5, low_open=True
        )
        check_number("learning_rate", self.learning_rate, low=0.0, high=1.0, low_open=True)
        if self.random_state is not None:
            check_integer("random_state", self.random_state, minimum=0)

    # --------------------------------------------------------------- training
    def _training_data(self, scaled: np.ndarray, horizon: int) -> Any:
        """Inputs and targets, split in time and subsampled to ``max_windows``.

        ``horizon`` 0 reconstructs each window; 1 forecasts the row after it.
        A pair belongs to validation when its last row (target row) lies in
        the last ``validation_fraction`` of the series, else to training when
        it ends before.
        """
        from anomalia.detectors.deep.training import TrainingData

        windows = sliding_windows(scaled, self.window)  # a view: no copy of the series
        if horizon:
            windows = windows[:-horizon]
        ends = np.arange(len(windows)) + self.window - 1 + horizon
        n = len(scaled)
        split = n - max(1, math.ceil(self.validation_fraction * n))
        fit_rows, validation_rows = np.flatnonzero(ends < split), np.flatnonzero(ends >= split)
        # Evenly strided windows keep fitting time bounded on long series.
        stride = max(1, math.ceil(len(fit_rows) / self.max_windows))
        fit_rows, validation_rows = fit_rows[::stride], validation_rows[::stride]

        def pairs(rows: np.ndarray) -> tuple[Any, Any]:
            inputs = np.ascontiguousarray(windows[rows], dtype=np.float32)
            targets = scaled[ends[rows]].astype(np.float32) if horizon else inputs
            return inputs, self._model_targets(targets)

        inputs, targets = pairs(fit_rows)
        validation_inputs, validation_targets = pairs(validation_rows)
        return TrainingData(inputs, targets, validation_inputs, validation_targets)

    def _fit_network(self, scaled: np.ndarray, horizon: int) -> None:
        """Build and train ``model_`` on the robust-scaled training series."""
        keras = import_keras()
        from anomalia.detectors.deep import layers  # noqa: F401  (registers custom layers)
        from anomalia.detectors.deep.training import train

        seed_everything(self.random_state)
        data = self._training_data(scaled, horizon)
        self.model_ = self._build_model(keras, scaled.shape[1])
        self.model_.compile(
            # Clipped gradients keep training finite on series whose robust-scaled
            # values reach the hundreds (near-constant training stretches).
            optimizer=keras.optimizers.Adam(learning_rate=self.learning_rate, clipnorm=1.0),
            loss=self._loss(),
        )
        self.device_ = device_name()
        log.info(
            "%s: training on %s, %d windows (+%d for validation) of %d rows",
            self.name,
            self.device_,
            len(data.inputs),
            len(data.validation_inputs),
            self.window,
        )
        started = time.perf_counter()
        self.history_ = train(
            self.model_,
            data,
            name=self.name,
            epochs=self.epochs,
            batch_size=self.batch_size,
            patience=self.patience,
        )
        self.fit_seconds_ = time.perf_counter() - started
        self.best_epoch_ = int(np.argmin(self.history_["val_loss"])) + 1
        log.info(
            "%s: %d epochs in %.1f s, kept epoch %d (val_loss %.4g)",
            self.name,
            len(self.history_["val_loss"]),
            self.fit_seconds_,
            self.best_epoch_,
            self.history_["val_loss"][self.best_epoch_ - 1],
        )

    def stream_history(self) -> int:
        # A score reads the window ending at (autoencoders) or before (forecasters) its row.
        super().stream_history()
        return self.window

    def warmup_rows(self) -> int:
        return self.window

    # ---------------------------------------------------------- subclass hooks
    def _build_model(self, keras: Any, n_features: int) -> Any:
        """Return an uncompiled ``keras.Model`` mapping (window, n_features) windows to outputs."""
        raise NotImplementedError

    def _loss(self) -> Any:
        """The loss given to ``compile``: mean squared error by default."""
        return "mse"

    def _model_targets(self, targets: np.ndarray) -> Any:
        """Targets as the model's outputs expect them (several outputs: a list)."""
        return targets

    # ------------------------------------------------------------ persistence
    def _get_state(self) -> dict[str, Any]:
        state = super()._get_state()
        state.pop("model_", None)  # saved by Keras as model.keras
        return state

    def _save_artifacts(self, folder: Path) -> None:
        self.model_.save(folder / MODEL_FILE)
        import keras
        import tensorflow as tf

        summary = {
            "device": self.device_,
            "epochs_run": len(self.history_["val_loss"]),
            "best_epoch": self.best_epoch_,
            "history": self.history_,
            "fit_seconds": round(self.fit_seconds_, 3),
            "tensorflow_version": tf.__version__,
            "keras_version": keras.__version__,
        }
        (folder / TRAINING_FILE).write_text(json.dumps(summary, indent=2))

    def _load_artifacts(self, folder: Path) -> None:
        keras = import_keras()
        from anomalia.detectors.deep import layers  # noqa: F401  (registers custom layers)

        model_file = folder / MODEL_FILE
        if not model_file.is_file():
            raise ConfigError(f"{folder}: saved deep detector lacks {MODEL_FILE}")
        try:
            # safe_mode (Keras's default, stated on purpose) refuses code in the file
            # (Lambda layers); only registered layer classes are rebuilt.
            self.model_ = keras.models.load_model(model_file, compile=False, safe_mode=True)
        except (ValueError, TypeError, OSError) as error:
            raise DataError(f"{model_file}: not loadable safely ({error})") from None


class ReconstructionDetector(KerasDetectorMixin, BaseDetector):
    """Base class: an autoencoder of windows, scored by the error on each window's last row.

    The score at ``t`` is ``max_f |x[t, f] - x̂[t, f]| / s_f``: the worst
    column's reconstruction error of row ``t`` within the window ending at
    ``t``, in units of the robust scale ``s_f`` of that column's training
    errors. Rows before the first complete window score 0.

    Attributes
    ----------
    residual_scale_ : ndarray of shape (n_features,)
        Robust scale (1.4826 * MAD) of each column's training reconstruction
        errors, in robust-scaled units.
    """

    causal = True

    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        self._check_training_params()
        self._check_architecture()
        self.scaler_ = RobustScaler().fit(X)
        scaled = self.scaler_.transform(X).astype(np.float32)
        self._fit_network(scaled, horizon=0)
        self.residual_scale_ = robust_residual_scale(self._last_row_residuals(scaled))

    def _score(self, X: np.ndarray) -> np.ndarray:
        scores = np.zeros(len(X))
        if len(X) >= self.window:
            scaled = self.scaler_.transform(X).astype(np.float32)
            scores[self.window - 1 :] = self._window_scores(scaled)
        return scores

    def _last_row_residuals(self, scaled: np.ndarray) -> np.ndarray:
        """Reconstruction minus value at each window's last row, shape (n_windows, n_features)."""
        from anomalia.detectors.deep.training import predict_windows

        return predict_windows(
            self.model_,
            sliding_windows(scaled, self.window),
            lambda batch, outputs: self._reconstruction(outputs)[:, -1, :] - batch[:, -1, :],
        )

    def _reconstruction(self, outputs: Any) -> np.ndarray:
        """The reconstructed windows among the model's outputs."""
        return outputs

    def _window_scores(self, scaled: np.ndarray) -> np.ndarray:
        """One score per complete window, shape (n_windows,)."""
        residuals = self._last_row_residuals(scaled)
        return (np.abs(residuals) / self.residual_scale_).max(axis=1)

    def _check_architecture(self) -> None:
        """Check the family's own parameters; raise ConfigError."""
