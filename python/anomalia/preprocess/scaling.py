"""Scalers fitted on training data only, applied unchanged to later data.

Every scaler maps ``x`` to ``(x - center_) / scale_`` per feature. A scale
that is zero (a constant training series) is replaced by 1, so transforming
never divides by zero. NaNs are ignored when fitting and passed through when
transforming.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from anomalia.exceptions import ConfigError, DataError, NotFittedError

ArrayLike = np.ndarray | pd.DataFrame | pd.Series
ScalerKind = Literal["standard", "robust", "minmax", "none"]

# Relative size below which a scale counts as zero (floating-point noise of a constant).
_ZERO_SCALE = 10 * np.finfo(np.float64).eps


class Scaler:
    """Base class: ``fit`` learns ``center_`` and ``scale_``; the rest is shared.

    Attributes
    ----------
    center_ : ndarray of shape (n_features,)
        Value subtracted from each feature.
    scale_ : ndarray of shape (n_features,)
        Positive value each centred feature is divided by.
    n_features_in_ : int
        Number of features seen in ``fit``.
    """

    def fit(self, values: ArrayLike) -> Scaler:
        """Learn the centre and scale of each feature from training ``values``.

        Parameters
        ----------
        values : array-like of shape (n_samples,) or (n_samples, n_features)
            Training data; NaNs are ignored.

        Returns
        -------
        self

        Raises
        ------
        DataError
            If a feature has no finite value.
        """
        array = _as_2d(values, "fit")
        usable = np.isfinite(array)
        if not usable.any(axis=0).all():
            feature = int(np.argmin(usable.any(axis=0)))
            raise DataError(
                f"{type(self).__name__}.fit: feature {feature} has no finite value to learn "
                "a scale from; fill missing values first (anomalia.preprocess.fill_missing)"
            )
        center, scale = self._center_and_scale(np.where(usable, array, np.nan))
        tiny = scale <= _ZERO_SCALE * np.maximum(np.abs(center), 1.0)
        self.center_ = center
        self.scale_ = np.where(tiny, 1.0, scale)
        self.n_features_in_ = array.shape[1]
        return self

    def transform(self, values: ArrayLike) -> np.ndarray:
        """Return ``(values - center_) / scale_``, with the shape of ``values``."""
        array = self._checked(values, "transform")
        return ((array - self.center_) / self.scale_).reshape(np.shape(values))

    def inverse_transform(self, values: ArrayLike) -> np.ndarray:
        """Undo :meth:`transform`: return ``values * scale_ + center_``."""
        array = self._checked(values, "inverse_transform")
        return (array * self.scale_ + self.center_).reshape(np.shape(values))

    def fit_transform(self, values: ArrayLike) -> np.ndarray:
        """Fit on ``values`` and return them transformed."""
        return self.fit(values).transform(values)

    def _checked(self, values: ArrayLike, where: str) -> np.ndarray:
        if not hasattr(self, "scale_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit first")
        array = _as_2d(values, where)
        if array.shape[1] != self.n_features_in_:
            raise DataError(
                f"{type(self).__name__}.{where}: expected {self.n_features_in_} feature(s) "
                f"as in fit, got {array.shape[1]}"
            )
        return array

    def _center_and_scale(self, array: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class StandardScaler(Scaler):
    """Centre on the mean, divide by the standard deviation."""

    def _center_and_scale(self, array: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.nanmean(array, axis=0), np.nanstd(array, axis=0)


class RobustScaler(Scaler):
    """Centre on the median, divide by the interquartile range.

    Outliers in the training data barely move either statistic. On a
    series that is constant for more than half its points the range is 0 and
    the scale becomes 1.
    """

    def _center_and_scale(self, array: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lower, median, upper = np.nanpercentile(array, [25.0, 50.0, 75.0], axis=0)
        return median, upper - lower


class MinMaxScaler(Scaler):
    """Map the training minimum to 0 and maximum to 1."""

    def _center_and_scale(self, array: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lowest = np.nanmin(array, axis=0)
        return lowest, np.nanmax(array, axis=0) - lowest


class IdentityScaler(Scaler):
    """Leave values unchanged (``kind="none"``); keeps the interface uniform."""

    def _center_and_scale(self, array: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(array.shape[1]), np.ones(array.shape[1])


SCALERS: dict[str, type[Scaler]] = {
    "standard": StandardScaler,
    "robust": RobustScaler,
    "minmax": MinMaxScaler,
    "none": IdentityScaler,
}


def make_scaler(kind: ScalerKind) -> Scaler:
    """Return an unfitted scaler of the given kind.

    Parameters
    ----------
    kind : {"standard", "robust", "minmax", "none"}
        ``"standard"``: mean and standard deviation; ``"robust"``: median and
        interquartile range; ``"minmax"``: training range onto [0, 1];
        ``"none"``: identity.

    Returns
    -------
    Scaler
        Call ``fit`` on training data, then ``transform`` and
        ``inverse_transform`` on any data.

    Raises
    ------
    ConfigError
        If ``kind`` is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> scaler = make_scaler("robust").fit(np.array([1.0, 2.0, 3.0, 4.0, 100.0]))
    >>> scaler.transform(np.array([3.0, 5.0]))
    array([0., 1.])
    """
    try:
        return SCALERS[kind]()
    except (KeyError, TypeError):
        raise ConfigError(f"`kind` must be one of {', '.join(SCALERS)}; got {kind!r}") from None


def _as_2d(values: ArrayLike, where: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise DataError(f"{where}: values must be numeric: {error}") from None
    if array.ndim == 1:
        return array.reshape(-1, 1)
    if array.ndim != 2:
        raise DataError(
            f"{where}: expected an array of shape (n_samples,) or (n_samples, n_features), "
            f"got {array.ndim} dimensions"
        )
    return array
