"""What every deep detector shares: inputs, training, scoring, persistence.

:class:`DeepDetector` turns a Keras model into a detector. The pipeline is
the same for the five families; a family only builds its network and says
what it expects each input row to be:

1. **Inputs: change, not state.** The series is robust-scaled (median/IQR
   fitted on the training rows only); with ``difference`` (the default) the
   network sees its increments ``x[t] - x[t-1]`` in units of the training
   increments' robust scale. A level shift is then one large increment and
   a spike two, not hundreds of rows far from anything seen in training.
2. **Training**: windows cut without copying the series, a time-ordered
   validation split, early stopping on it, the best epoch's weights kept.
3. **Expectation**: each input row's reconstruction (autoencoders: the last
   row of the window ending at it) or forecast (forecasters: from the window
   before it).
4. **Score**: the residual in units of its own training distribution (a
   robust z, worst column, divided by the largest one of the training rows),
   averaged over the last ``smoothing`` rows, then kept only at onsets (a
   new maximum over ``onset_window`` rows,
   :func:`anomalia.postprocess.keep_onsets`), so a persistent anomaly raises
   one alarm rather than one per row.

Causality: the score at ``t`` uses rows up to ``t`` only; rows without a
complete window (:meth:`DeepDetector.warmup_rows`) score 0.
"""

from __future__ import annotations

import json
import logging
import math
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from anomalia.detectors.base import BaseDetector
from anomalia.detectors.deep.runtime import device_name, import_keras, seed_everything
from anomalia.detectors.params import check_choice, check_integer, check_number
from anomalia.exceptions import ConfigError, DataError
from anomalia.postprocess.onset import keep_onsets
from anomalia.preprocess.scaling import RobustScaler
from anomalia.preprocess.windows import sliding_windows

log = logging.getLogger("anomalia.detectors.deep")

MODEL_FILE = "model.keras"
TRAINING_FILE = "training.json"
OPTIMIZERS = ("adam", "rmsprop", "sgd")
_MAD_TO_STD = 1.4826
_MEAN_ABSOLUTE_TO_STD = math.sqrt(math.pi / 2)
# Scales below this (in network units) are floored: a perfectly reconstructed
# column must not give infinite scores.
_SCALE_FLOOR = 1e-3


def robust_residual_scale(residuals: np.ndarray) -> np.ndarray:
    """Robust standard deviation of each column of ``residuals`` (NaN rows ignored).

    The larger of 1.4826 × MAD and 1.2533 × the mean absolute deviation from
    the median: both equal the standard deviation of normal noise, but on a
    series that mostly stands still and sometimes steps (many NAB series)
    the MAD is 0 while the mean absolute deviation still measures the steps.
    Floored to stay positive.
    """
    center = np.nanmedian(residuals, axis=0)
    deviation = np.abs(residuals - center)
    mad = np.nanmedian(deviation, axis=0) * _MAD_TO_STD
    mean_absolute = np.nanmean(deviation, axis=0) * _MEAN_ABSOLUTE_TO_STD
    return np.maximum(np.nan_to_num(np.maximum(mad, mean_absolute)), _SCALE_FLOOR)


class DeepDetector(BaseDetector):
    """Base class of the deep detectors: a subclass builds the network and reads its outputs.

    A subclass defines the shared parameters (``window``, ``layers``,
    ``dropout``, ``optimizer``, ``learning_rate``, ``batch_size``,
    ``epochs``, ``validation_fraction``, ``patience``, ``max_windows``,
    ``difference``, ``smoothing``, ``onset_window``, ``random_state``) and
    its own, and implements :meth:`_build_model` and :meth:`_expectations`.

    Attributes
    ----------
    model_ : keras.Model
        The trained network (saved as ``model.keras``, not pickled).
    scaler_ : anomalia.preprocess.scaling.RobustScaler
        Median/IQR scaling fitted on the training data only.
    step_scale_ : ndarray of shape (n_features,)
        Robust scale of the scaled training increments (1 without ``difference``).
    residual_scale_ : ndarray of shape (n_features,)
        Robust scale of each column's training residuals, in network units.
    score_unit_ : float
        The largest training residual score (robust z), at least 1: scores
        are in this unit, so a series whose training rows were already
        erratic needs a larger surprise to alarm.
    onset_rows_ : int or None
        The onset window in rows.
    mse_ : float
        Mean squared error of the expectation on the training rows, in units of
        the training series' robust scale (see :meth:`mse`).
    history_ : dict of str to list of float
        ``loss`` and ``val_loss`` per epoch run.
    best_epoch_ : int
        Epoch (from 1) whose weights were kept.
    device_ : str
        ``"CPU"`` or ``"GPU"``: where the model was trained.
    fit_seconds_ : float
        Wall time of the training loop.
    """

    causal = True
    #: 0: the network reconstructs each window; 1: it forecasts the row after it.
    horizon: ClassVar[int] = 0
    #: Parameters small enough for quick tests (tiny epochs); see ``tests/python/detectors``.
    test_params: ClassVar[dict[str, Any]] = {"window": 16, "epochs": 2, "max_windows": 256}

    window: int
    layers: int
    dropout: float
    optimizer: str
    learning_rate: float
    batch_size: int
    epochs: int
    validation_fraction: float
    patience: int
    max_windows: int
    difference: bool
    smoothing: int
    onset_window: int | float | None
    random_state: int | None

    # ------------------------------------------------------------ parameters
    def min_samples(self) -> int:
        check_integer("window", self.window, minimum=2)
        # Room for training windows and validation windows after them.
        return 2 * self.window + 1 + self._lag()

    def _lag(self) -> int:
        """Rows lost to differencing: the first row has no increment."""
        return 1 if self.difference else 0

    def _check_params(self) -> None:
        check_integer("window", self.window, minimum=2)
        check_integer("layers", self.layers, minimum=1)
        check_number("dropout", self.dropout, low=0.0, high=1.0, high_open=True)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_number("learning_rate", self.learning_rate, low=0.0, high=1.0, low_open=True)
        check_integer("batch_size", self.batch_size, minimum=1)
        check_integer("epochs", self.epochs, minimum=1)
        check_number(
            "validation_fraction", self.validation_fraction, low=0.0, high=0.5, low_open=True
        )
        check_integer("patience", self.patience, minimum=0)
        check_integer("max_windows", self.max_windows, minimum=1)
        if not isinstance(self.difference, (bool, np.bool_)):
            raise ConfigError(f"`difference` must be true or false, got {self.difference!r}")
        check_integer("smoothing", self.smoothing, minimum=1)
        if isinstance(self.onset_window, float):
            check_number("onset_window", self.onset_window, low=0.0, high=1.0, low_open=True)
        elif self.onset_window is not None:
            check_integer("onset_window", self.onset_window, minimum=1)
        if self.random_state is not None:
            check_integer("random_state", self.random_state, minimum=0)
        self._check_architecture()

    # ---------------------------------------------------------------- fitting
    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        self._check_params()
        self.scaler_ = RobustScaler().fit(X)
        self.step_scale_ = np.ones(X.shape[1])
        if self.difference:
            steps = np.diff(self.scaler_.transform(X), axis=0)
            self.step_scale_ = robust_residual_scale(steps)
        inputs = self._inputs(X)
        self._fit_network(inputs)
        expected = self._expectations(inputs)
        self.residual_scale_ = robust_residual_scale(expected - inputs)
        training_scores = self._residual_scores(inputs, expected)
        self.score_unit_ = max(1.0, float(training_scores.max(initial=0.0)))
        window = self.onset_window
        self.onset_rows_ = max(1, int(window * len(X))) if isinstance(window, float) else window
        self.mse_ = self._mse(X, expected, start=0)

    def _inputs(self, X: np.ndarray) -> np.ndarray:
        """The series as the network sees it: scaled values or scaled increments, float32.

        With ``difference`` the first row, which has no increment, is left out:
        input row ``i`` is data row ``i + 1``.
        """
        scaled = self.scaler_.transform(X)
        if self.difference:
            scaled = np.diff(scaled, axis=0) / self.step_scale_
        return scaled.astype(np.float32)

    def _training_data(self, inputs: np.ndarray, horizon: int) -> Any:
        """Inputs and targets, split in time and subsampled to ``max_windows``.

        ``horizon`` 0 reconstructs each window; 1 forecasts the row after it.
        A pair belongs to validation when its last row (target row) lies in
        the last ``validation_fraction`` of the series, else to training when
        it ends before.
        """
        from anomalia.detectors.deep.training import TrainingData

        windows = sliding_windows(inputs, self.window)  # a view: no copy of the series
        if horizon:
            windows = windows[:-horizon]
        ends = np.arange(len(windows)) + self.window - 1 + horizon
        n = len(inputs)
        split = n - max(1, math.ceil(self.validation_fraction * n))
        fit_rows, validation_rows = np.flatnonzero(ends < split), np.flatnonzero(ends >= split)
        # Evenly strided windows keep fitting time bounded on long series.
        stride = max(1, math.ceil(len(fit_rows) / self.max_windows))
        fit_rows, validation_rows = fit_rows[::stride], validation_rows[::stride]

        def pairs(rows: np.ndarray) -> tuple[Any, Any]:
            windows_in = np.ascontiguousarray(windows[rows], dtype=np.float32)
            targets = inputs[ends[rows]].astype(np.float32) if horizon else windows_in
            return windows_in, self._model_targets(targets)

        train_inputs, targets = pairs(fit_rows)
        validation_inputs, validation_targets = pairs(validation_rows)
        return TrainingData(train_inputs, targets, validation_inputs, validation_targets)

    def _optimizer(self, keras: Any) -> Any:
        kind = {
            "adam": keras.optimizers.Adam,
            "rmsprop": keras.optimizers.RMSprop,
            "sgd": keras.optimizers.SGD,
        }[self.optimizer]
        # Clipped gradients keep training finite on series whose scaled values
        # reach the hundreds (near-constant training stretches).
        return kind(learning_rate=self.learning_rate, clipnorm=1.0)

    def _fit_network(self, inputs: np.ndarray) -> None:
        """Build and train ``model_`` on the training inputs."""
        keras = import_keras()
        from anomalia.detectors.deep import layers  # noqa: F401  (registers custom layers)
        from anomalia.detectors.deep.training import train

        seed_everything(self.random_state)
        data = self._training_data(inputs, self.horizon)
        self.model_ = self._build_model(keras, inputs.shape[1])
        self.model_.compile(optimizer=self._optimizer(keras), loss=self._loss())
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

    # ---------------------------------------------------------------- scoring
    def _raw_scores(self, X: np.ndarray) -> np.ndarray:
        """Each row's residual score over ``score_unit_`` (0 where there is no expectation)."""
        inputs = self._inputs(X)
        scores = np.zeros(len(X))
        scores[self._lag() :] = self._residual_scores(inputs, self._expectations(inputs))
        return scores / self.score_unit_

    def _residual_scores(self, inputs: np.ndarray, expected: np.ndarray) -> np.ndarray:
        """Robust z of each input row's residual, worst column (0 where there is no expectation)."""
        z = np.abs(expected - inputs) / self.residual_scale_
        return np.nan_to_num(z, nan=0.0).max(axis=1)

    def _postprocess(self, raw: np.ndarray) -> np.ndarray:
        """Causal mean over ``smoothing`` rows, then onsets only (both causal)."""
        scores = raw
        if self.smoothing > 1:
            scores = pd.Series(raw).rolling(self.smoothing, min_periods=1).mean().to_numpy()
        if self.onset_rows_ is not None:
            scores = keep_onsets(scores, self.onset_rows_)
        return scores

    def _score(self, X: np.ndarray) -> np.ndarray:
        return self._postprocess(self._raw_scores(X))

    # ------------------------------------------------------------ expectation
    def expected(self, X: Any) -> np.ndarray:
        """The reconstruction or forecast of every row, in the units of ``X``.

        Autoencoders: row ``t`` as the last row of the reconstructed window
        ending at ``t``; forecasters: the forecast of ``t`` from the window
        before it. With ``difference`` it is the previous value plus the
        expected increment. NaN on the first :meth:`warmup_rows` rows.

        Returns
        -------
        ndarray shaped like ``X``
        """
        self._check_fitted()
        values = self._validate(X, what="expected")
        return self._expected_values(values).reshape(np.shape(X))

    def _expected_values(self, X: np.ndarray, expected: np.ndarray | None = None) -> np.ndarray:
        if expected is None:
            expected = self._expectations(self._inputs(X))
        out = np.full(X.shape, np.nan)
        if self.difference:
            step = expected * self.step_scale_ * self.scaler_.scale_
            out[1:] = X[:-1] + step
        else:
            out[:] = self.scaler_.inverse_transform(expected.astype(np.float64))
        return out

    def mse(self, X: Any, *, start: int = 0) -> float:
        """Mean squared error of :meth:`expected` on rows ``start`` onwards.

        In units of the training series' interquartile range, averaged over
        columns (:func:`anomalia.metrics.expectation.expectation_mse`), so
        series of any unit compare; earlier rows serve as context. NaN when no
        row from ``start`` on has an expectation.
        """
        self._check_fitted()
        values = self._validate(X, what="mse")
        check_integer("start", start, minimum=0)
        return self._mse(values, None, start)

    def _mse(self, X: np.ndarray, expected: np.ndarray | None, start: int) -> float:
        from anomalia.metrics.expectation import expectation_mse

        if expected is not None:
            expected = expected.astype(np.float64)
        values = self._expected_values(X, expected)
        return expectation_mse(X, values, start=start, unit=self.scaler_.scale_)

    # -------------------------------------------------------------- streaming
    def warmup_rows(self) -> int:
        """Rows before the first complete window: they score 0."""
        return self.window - 1 + self.horizon + self._lag()

    def stream_history(self) -> int:
        # A score reads the window ending at (forecasters: before) its row, the
        # smoothing rows before that and the onset window before those.
        super().stream_history()
        return self.warmup_rows() + self.smoothing - 1 + (self.onset_rows_ or 0)

    def stream_start(self) -> dict[str, np.ndarray]:
        """Incremental state for :mod:`anomalia.engine`: the rows and raw scores still needed.

        The network runs on new rows only: the state keeps the last
        :meth:`warmup_rows` rows (the windows of the next rows reach back that
        far) and the raw scores that smoothing and the onset rule look back on,
        O(window + onset window) numbers however long the stream.
        """
        self._check_fitted()
        return {"tail": np.empty((0, self.n_features_in_)), "raw": np.empty(0)}

    def stream_score(
        self, X: np.ndarray, state: dict[str, np.ndarray]
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Scores of the rows ``X`` after ``state``, and the next state (``state`` is kept)."""
        n = len(X)
        combined = np.vstack([state["tail"], X])
        raw = np.concatenate([state["raw"], self._raw_scores(combined)[len(combined) - n :]])
        scores = self._postprocess(raw)[len(raw) - n :]
        keep_rows, keep_raw = self.warmup_rows(), self.smoothing - 1 + (self.onset_rows_ or 0)
        return scores, {
            "tail": combined[len(combined) - min(keep_rows, len(combined)) :],
            "raw": raw[len(raw) - min(keep_raw, len(raw)) :],
        }

    # ---------------------------------------------------------- subclass hooks
    def _check_architecture(self) -> None:
        """Check the family's own parameters; raise ConfigError."""

    def _build_model(self, keras: Any, n_features: int) -> Any:
        """Return an uncompiled ``keras.Model`` mapping (window, n_features) windows to outputs."""
        raise NotImplementedError

    def _expectations(self, inputs: np.ndarray) -> np.ndarray:
        """What the network expects each input row to be, NaN where it has no window.

        Shape (n_rows, n_features), in network units.
        """
        raise NotImplementedError

    def _loss(self) -> Any:
        """The loss given to ``compile``: mean squared error by default."""
        return "mse"

    def _model_targets(self, targets: np.ndarray) -> Any:
        """Targets as the model's outputs expect them (several outputs: a list)."""
        return targets

    def _dropout(self, keras: Any, tensor: Any) -> Any:
        """``tensor`` through a dropout layer, or unchanged when ``dropout`` is 0."""
        return keras.layers.Dropout(self.dropout)(tensor) if self.dropout else tensor

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
