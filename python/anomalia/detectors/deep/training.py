"""Training and batched inference of the deep detectors' Keras models.

Imports Keras at module level: import it only after
:func:`anomalia.detectors.deep.runtime.import_keras` succeeded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np
from tqdm.auto import tqdm

log = logging.getLogger("anomalia.detectors.deep")

#: Windows per inference call: large batches amortise Keras's per-call overhead.
PREDICT_BATCH = 2048


@dataclass(frozen=True)
class TrainingData:
    """Model inputs and targets, split in time: training first, validation last."""

    inputs: np.ndarray | list[np.ndarray]
    targets: np.ndarray | list[np.ndarray]
    validation_inputs: np.ndarray | list[np.ndarray]
    validation_targets: np.ndarray | list[np.ndarray]


class EpochProgress(keras.callbacks.Callback):
    """Per-epoch progress: a tqdm bar on a terminal, else one INFO log line per epoch.

    Nothing is shown when the ``anomalia.detectors.deep`` logger is not
    enabled for INFO (``anomalia --quiet``, library use without logging set up).
    """

    def __init__(self, name: str, epochs: int):
        super().__init__()
        self.name = name
        self.epochs = epochs

    def on_train_begin(self, logs: dict | None = None) -> None:
        quiet = not log.isEnabledFor(logging.INFO)
        self.bar = tqdm(
            total=self.epochs,
            desc=f"{self.name} epochs",
            leave=False,
            disable=True if quiet else None,
        )
        self.log_lines = not quiet and self.bar.disable
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        loss, validation = logs.get("loss", np.nan), logs.get("val_loss", np.nan)
        self.bar.set_postfix(loss=f"{loss:.4g}", val_loss=f"{validation:.4g}", refresh=False)
        self.bar.update()
        if self.log_lines:
            log.info(
                "%s epoch %d/%d: loss %.4g, val_loss %.4g (%.1f s)",
                self.name,
                epoch + 1,
                self.epochs,
                loss,
                validation,
                time.perf_counter() - self.started,
            )

    def on_train_end(self, logs: dict | None = None) -> None:
        self.bar.close()


def train(
    model: keras.Model,
    data: TrainingData,
    *,
    name: str,
    epochs: int,
    batch_size: int,
    patience: int,
) -> dict[str, list[float]]:
    """Fit ``model`` with early stopping on the validation loss; best weights restored.

    Returns the history: ``loss`` and ``val_loss`` per epoch run.
    """
    stopping = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=patience, restore_best_weights=True
    )
    history = model.fit(
        data.inputs,
        data.targets,
        validation_data=(data.validation_inputs, data.validation_targets),
        epochs=epochs,
        batch_size=batch_size,
        shuffle=True,
        callbacks=[stopping, EpochProgress(name, epochs)],
        verbose=0,
    )
    return {key: [float(v) for v in values] for key, values in history.history.items()}


def predict_windows(
    model: keras.Model,
    windows: np.ndarray,
    reduce: Callable[[np.ndarray, object], np.ndarray],
) -> np.ndarray:
    """Run ``model`` over ``windows`` in batches and keep ``reduce(batch, outputs)`` of each.

    ``windows`` may be a read-only strided view: only one batch at a time is
    copied into a contiguous float32 array, so memory stays bounded on long
    series. ``reduce`` turns the model's outputs for a batch into the rows
    to keep (e.g. the error of each window's last point).
    """
    parts = []
    for start in range(0, len(windows), PREDICT_BATCH):
        batch = np.ascontiguousarray(windows[start : start + PREDICT_BATCH], dtype=np.float32)
        parts.append(reduce(batch, model.predict_on_batch(batch)))
    return np.concatenate(parts)
