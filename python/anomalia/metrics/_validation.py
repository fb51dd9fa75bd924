"""Input checks shared by the public metric functions.

Public metric functions call these once and hand clean arrays to private
code; nothing else in the metrics package validates.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from anomalia.exceptions import ConfigError, DataError


def _one_dimensional(values: ArrayLike, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise DataError(
            f"`{name}` must be a one-dimensional array of shape (n,), got shape {array.shape}"
        )
    if array.size == 0:
        raise DataError(f"`{name}` is empty; metrics need at least one point")
    if array.dtype.kind not in "biuf":
        raise DataError(f"`{name}` must be numeric, got an array of dtype {array.dtype}")
    return array


def check_labels(values: ArrayLike, name: str) -> np.ndarray:
    """Return a 0/1 array as ``bool``, or raise ``DataError`` naming the bad value.

    Parameters
    ----------
    values : array-like of shape (n,)
        Labels or predictions; booleans, integers or floats equal to 0 or 1.
    name : str
        Argument name used in the error message.

    Returns
    -------
    numpy.ndarray of bool, shape (n,)

    Raises
    ------
    DataError
        If ``values`` is not 1-D, is empty, or holds anything other than 0 and 1.
    """
    array = _one_dimensional(values, name)
    if array.dtype.kind == "b":
        return array
    bad = np.flatnonzero((array != 0) & (array != 1))
    if bad.size:
        first = int(bad[0])
        raise DataError(
            f"`{name}` must contain only 0 and 1, got {array[first].item()!r} at index {first} "
            f"({bad.size} of {array.size} values are not 0 or 1); binarise it first, "
            "e.g. `(x > threshold).astype(int)`"
        )
    return array.astype(bool)


def check_scores(values: ArrayLike, name: str = "scores") -> np.ndarray:
    """Return finite scores as ``float64``, or raise ``DataError``.

    Parameters
    ----------
    values : array-like of shape (n,)
        Anomaly scores, higher meaning more anomalous.
    name : str, default "scores"
        Argument name used in the error message.

    Returns
    -------
    numpy.ndarray of float64, shape (n,)

    Raises
    ------
    DataError
        If ``values`` is not 1-D, is empty, is not numeric or holds nan or inf.
    """
    array = _one_dimensional(values, name).astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        first = int(bad[0])
        raise DataError(
            f"`{name}` must be finite, got {array[first].item()!r} at index {first} "
            f"({bad.size} of {array.size} values are nan or inf); impute or drop them first"
        )
    return array


def check_same_length(**arrays: np.ndarray) -> None:
    """Raise ``DataError`` unless every array has the same length.

    Parameters
    ----------
    **arrays : numpy.ndarray
        Arrays keyed by the argument names used in the error message.

    Raises
    ------
    DataError
        If the lengths differ.
    """
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"`{name}` has {length}" for name, length in lengths.items())
        raise DataError(f"inputs must have the same length (one value per time step): {described}")


def check_non_negative_int(value: object, name: str) -> int:
    """Return ``value`` as an ``int`` if it is an integer ≥ 0, else raise ``ConfigError``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ConfigError(f"`{name}` must be an integer ≥ 0, got {value!r}")
    return int(value)
