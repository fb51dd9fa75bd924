"""The interface every threshold shares: ``fit``, ``thresholds``, ``flag``, ``advance``.

A threshold turns anomaly scores (higher means more anomalous) into 0/1
flags. The base class validates input and parameters once and owns the
public verbs; a subclass writes ``_validate_params``, ``_fit`` and
``_thresholds`` on clean 1-D float arrays.

Fitted parameters (attributes ending in ``_``) are set by ``fit`` and never
change afterwards. A streaming threshold (SPOT, the alert budget) also has a
*running state* that moves as scores stream in; it is plain data (a dict of
numbers and arrays) kept outside the object: :meth:`BaseThreshold.initial_state`
gives the state right after ``fit`` and :meth:`BaseThreshold.advance` returns the
thresholds of new scores together with the next state, leaving its input
alone. ``thresholds`` and ``flag`` read from the state after ``fit`` (or from
one given), so calling them twice gives the same answer.
"""

from __future__ import annotations

import inspect
import numbers
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from anomalia.exceptions import ConfigError, DataError, NotFittedError

ScoresLike = np.ndarray | pd.Series | list


class BaseThreshold:
    """Base class of all thresholds.

    Constructor parameters are keyword-only and stored unchanged; they are
    checked when the threshold is used, so ``set_params`` can change them.

    Attributes
    ----------
    n_train_ : int
        Number of training scores seen by ``fit``; its presence marks a
        fitted threshold.
    """

    #: Name used in configs (see :func:`anomalia.thresholds.make_threshold`).
    name: ClassVar[str] = ""
    #: Whether ``thresholds`` and ``flag`` need ``fit`` first.
    requires_fit: ClassVar[bool] = True
    #: Whether thresholds of scores fed in pieces through :meth:`advance` equal those of
    #: the scores fed at once. False for methods that judge each batch on its own.
    chunkable: ClassVar[bool] = True

    # ------------------------------------------------------------ params
    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [p.name for p in signature.parameters.values() if p.kind == p.KEYWORD_ONLY]

    def get_params(self) -> dict[str, Any]:
        """Return the constructor parameters as a dict."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> BaseThreshold:
        """Set constructor parameters; an unknown name raises :class:`ConfigError`."""
        valid = self._param_names()
        for key, value in params.items():
            if key not in valid:
                raise ConfigError(
                    f"{type(self).__name__} has no parameter `{key}`; "
                    f"valid parameters: {', '.join(valid)}"
                )
            setattr(self, key, value)
        return self

    def clone(self) -> BaseThreshold:
        """Return an unfitted copy with the same parameters."""
        return type(self)(**self.get_params())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # ------------------------------------------------------------ public API
    def fit(self, train_scores: ScoresLike) -> BaseThreshold:
        """Learn the threshold from scores on training data.

        Parameters
        ----------
        train_scores : array-like of shape (n_train,)
            Finite scores, higher meaning more anomalous, in time order.

        Returns
        -------
        self

        Raises
        ------
        ConfigError
            If a parameter is invalid.
        DataError
            If the scores are empty, not 1-D or not finite.
        """
        self.validate_params()
        scores = as_scores(train_scores, "train_scores")
        if scores.size == 0:
            raise DataError("`train_scores` is empty; fit needs at least one score")
        self._fit(scores)
        self.n_train_ = int(scores.size)
        return self

    def initial_state(self) -> dict[str, Any]:
        """Running state right after ``fit``: where a stream of new scores starts.

        Returns
        -------
        dict of str to (float, int or ndarray)
            Empty for thresholds without running state. A fresh copy: the
            caller may keep it.

        Raises
        ------
        NotFittedError
            If the threshold needs ``fit`` and was not fitted.
        """
        self._prepare(np.empty(0))
        return self._initial_state()

    def advance(
        self, scores: ScoresLike, state: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Thresholds of ``scores`` following ``state``, and the state after them.

        Parameters
        ----------
        scores : array-like of shape (n,)
            Finite scores in time order, the ones after those ``state`` has seen.
        state : dict, optional
            From :meth:`initial_state` or an earlier ``advance``; by default the
            state right after ``fit``. It is not modified.

        Returns
        -------
        thresholds : ndarray of shape (n,)
        new_state : dict
            The state after ``scores``; feed it to the next ``advance``.
        """
        array = self._prepare(scores)
        return self._advance(array, self._initial_state() if state is None else state)

    def level(self, state: dict[str, Any] | None = None) -> float:
        """The threshold in force for the next score after ``state``, without moving it.

        Rows that cannot be judged yet (a detector warming up) are shown with it.
        """
        self._prepare(np.empty(0))
        return self._current_level(self._initial_state() if state is None else state)

    def thresholds(self, scores: ScoresLike, state: dict[str, Any] | None = None) -> np.ndarray:
        """Return the threshold in force at each timestamp of ``scores``.

        Reading thresholds changes nothing: the same scores give the same
        thresholds every time. To continue a stream, use :meth:`advance`.

        Parameters
        ----------
        scores : array-like of shape (n,)
            Finite scores in time order.
        state : dict, optional
            Running state to start from; by default the one right after ``fit``.

        Returns
        -------
        ndarray of shape (n,)
            Constant for static methods, varying for streaming and dynamic
            ones.

        Raises
        ------
        NotFittedError
            If the threshold needs ``fit`` and was not fitted.
        """
        return self.advance(scores, state)[0]

    def flag(self, scores: ScoresLike, state: dict[str, Any] | None = None) -> np.ndarray:
        """Return 1 where a score exceeds its threshold, else 0.

        Parameters
        ----------
        scores : array-like of shape (n,)
            Finite scores in time order.
        state : dict, optional
            Running state to start from; by default the one right after ``fit``.

        Returns
        -------
        ndarray of int64, shape (n,)
            ``scores > thresholds(scores)`` as 0/1.
        """
        array = np.asarray(scores, dtype=np.float64)
        return (array > self.thresholds(scores, state)).astype(np.int64)

    # ------------------------------------------------------------ for subclasses
    def validate_params(self) -> None:
        """Raise :class:`ConfigError` if a constructor parameter is invalid."""

    def _fit(self, scores: np.ndarray) -> None:
        raise NotImplementedError

    def _thresholds(self, scores: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _initial_state(self) -> dict[str, Any]:
        """Running state right after ``fit``; none unless the threshold streams."""
        return {}

    def _current_level(self, state: dict[str, Any]) -> float:
        """Threshold for the next score; streaming thresholds read it from ``state``."""
        if "threshold" in state:
            return float(state["threshold"])
        return float(self._thresholds(np.zeros(1))[0])

    def _advance(self, scores: np.ndarray, state: dict[str, Any]) -> tuple[np.ndarray, dict]:
        """Thresholds of ``scores`` from ``state`` and the next state; must not modify ``state``."""
        return self._thresholds(scores), state

    def _prepare(self, scores: ScoresLike) -> np.ndarray:
        self.validate_params()
        if self.requires_fit and not hasattr(self, "n_train_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit first")
        return as_scores(scores, "scores")


def as_scores(scores: ScoresLike, name: str) -> np.ndarray:
    """Return ``scores`` as a finite 1-D float64 array, or raise DataError."""
    try:
        array = np.asarray(scores, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise DataError(f"`{name}` must be numeric: {error}") from None
    if array.ndim != 1:
        raise DataError(f"`{name}` must be 1-D (one score per timestamp), got shape {array.shape}")
    finite = np.isfinite(array)
    if not finite.all():
        position = int(np.argmin(finite))
        raise DataError(
            f"`{name}` must be finite; position {position} is {array[position]}; "
            "fill or drop missing scores first"
        )
    return array


def check_number(
    name: str,
    value: object,
    *,
    low: float | None = None,
    high: float | None = None,
    closed: str = "neither",
) -> None:
    """Raise ConfigError unless ``value`` is a real number in the interval.

    ``closed`` is ``"neither"``, ``"left"``, ``"right"`` or ``"both"``.
    """
    inside = isinstance(value, numbers.Real) and not isinstance(value, bool)
    inside = inside and bool(np.isfinite(value))
    if inside and low is not None:
        inside = value >= low if closed in ("left", "both") else value > low
    if inside and high is not None:
        inside = value <= high if closed in ("right", "both") else value < high
    if not inside:
        left = "[" if closed in ("left", "both") else "("
        right = "]" if closed in ("right", "both") else ")"
        interval = (
            f"{left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"
        )
        raise ConfigError(f"`{name}` must be a number in {interval}, got {value!r}")


def check_integer(name: str, value: object, *, minimum: int) -> None:
    """Raise ConfigError unless ``value`` is an integer (not a bool) >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ConfigError(f"`{name}` must be an integer >= {minimum}, got {value!r}")
