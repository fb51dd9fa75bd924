"""Loading Keras on TensorFlow on demand, seeding it, and naming the device.

TensorFlow takes seconds to import, so it is imported here, inside
:func:`import_keras`, the first time a deep detector is fitted or loaded;
``import anomalia``, ``anomalia --help`` and the registry never import it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from anomalia.exceptions import MissingDependencyError

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'anomalia[deep]'"


def import_keras() -> ModuleType:
    """Import and return ``keras`` on the TensorFlow backend.

    TensorFlow's C++ messages are silenced so command output stays clean:
    ``TF_CPP_MIN_LOG_LEVEL`` defaults to 3, and the messages its libraries
    write to stderr while loading, before that setting takes effect, are
    dropped unless ``TF_CPP_MIN_LOG_LEVEL`` is set to 0. Python exceptions
    are unaffected.

    Raises
    ------
    MissingDependencyError
        If TensorFlow or Keras is not installed (an ``ImportError`` naming the
        install command), or Keras is set to another backend.
    """
    quiet = os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3") != "0"
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    try:
        with _stderr_dropped(quiet):
            import keras
            import tensorflow as tf
    except ImportError as error:
        raise MissingDependencyError(
            f"deep detectors need TensorFlow and Keras ({error}); install them with: {INSTALL_HINT}"
        ) from None
    tf.get_logger().setLevel(logging.ERROR)
    if keras.backend.backend() != "tensorflow":
        raise MissingDependencyError(
            f"deep detectors run on Keras's TensorFlow backend, but KERAS_BACKEND is "
            f"{keras.backend.backend()!r}; unset it or set it to 'tensorflow'"
        )
    return keras


@contextmanager
def _stderr_dropped(drop: bool) -> Iterator[None]:
    """Point file descriptor 2 at /dev/null inside the block (C++ libraries write there)."""
    if not drop:
        yield
        return
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def seed_everything(random_state: int | None) -> None:
    """Seed Python, numpy and TensorFlow and make TensorFlow's ops deterministic.

    With a seed, weights, shuffling and dropout repeat exactly, and
    ``tf.config.experimental.enable_op_determinism`` (process-wide) makes the
    kernels' reductions run in a fixed order, so a fit gives identical scores
    on the same machine. ``None`` leaves everything unseeded.
    """
    if random_state is None:
        return
    keras = import_keras()
    import tensorflow as tf

    keras.utils.set_random_seed(int(random_state))
    tf.config.experimental.enable_op_determinism()


def device_name() -> str:
    """``"GPU"`` when TensorFlow sees one (it then trains there), else ``"CPU"``."""
    import_keras()
    import tensorflow as tf

    return "GPU" if tf.config.list_physical_devices("GPU") else "CPU"
