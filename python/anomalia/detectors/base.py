"""The detector interface shared by every anomalia detector.

The base class owns the public verbs (``fit``, ``score``, ``predict``,
``save``/``load``) and validates their input once; a subclass writes only
``_fit`` and ``_score`` on clean ``float64`` arrays of shape
``(n_samples, n_features)``, ordered in time.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from anomalia import __version__
from anomalia.atomic import atomic_directory
from anomalia.exceptions import DataError, NotFittedError, StreamingError
from anomalia.persist import (
    FORMAT_VERSION,
    check_format_version,
    load_state,
    refuse_pickles,
    save_state,
)

ArrayLike = np.ndarray | pd.DataFrame | pd.Series

_CALIBRATION_POINTS = 1001


def fingerprint(values: np.ndarray) -> str:
    """Return a short, stable SHA-256 fingerprint of training values."""
    contiguous = np.ascontiguousarray(values, dtype=np.float64)
    digest = hashlib.sha256(contiguous.tobytes())
    digest.update(str(contiguous.shape).encode())
    return digest.hexdigest()[:16]


class BaseDetector:
    """Base class of all detectors.

    Scores are one float per timestamp; higher means more anomalous.

    Attributes
    ----------
    n_features_in_ : int
        Number of value columns seen in ``fit``; its presence marks a fitted
        detector. A detector holds no threshold: the one rule that flags a
        point is the model's threshold (:mod:`anomalia.thresholds`), fitted on
        :meth:`calibration_scores`.
    train_fingerprint_ : str
        Fingerprint of the training values, saved with the model.
    """

    #: Registry name, set by each concrete detector.
    name: ClassVar[str] = ""
    #: Whether ``fit`` needs labels (supervised detectors).
    requires_labels: ClassVar[bool] = False
    #: Whether the score at time t depends only on rows up to t, so the detector
    #: can run under streaming rules (NAB). Set by each detector that honours it.
    causal: ClassVar[bool] = False

    # ------------------------------------------------------------------ params
    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [
            p.name
            for p in signature.parameters.values()
            if p.name != "self" and p.kind == p.KEYWORD_ONLY
        ]

    def get_params(self) -> dict[str, Any]:
        """Return the constructor parameters as a dict."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> BaseDetector:
        """Set constructor parameters; unknown names raise ``ValueError``."""
        valid = set(self._param_names())
        for key, value in params.items():
            if key not in valid:
                raise ValueError(
                    f"{type(self).__name__} has no parameter `{key}`; "
                    f"valid parameters: {', '.join(sorted(valid))}"
                )
            setattr(self, key, value)
        return self

    def clone(self) -> BaseDetector:
        """Return an unfitted copy with the same parameters."""
        return type(self)(**self.get_params())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # ------------------------------------------------------------ validation
    def min_samples(self) -> int:
        """Smallest series length this detector can be fitted on."""
        return 2

    def _validate(self, X: ArrayLike, *, what: str) -> np.ndarray:
        if isinstance(X, pd.Series):
            X = X.to_frame()
        if isinstance(X, pd.DataFrame):
            non_numeric = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
            if non_numeric:
                raise DataError(
                    f"{what}: column `{non_numeric[0]}` must be numeric, "
                    f"got dtype {X[non_numeric[0]].dtype}"
                )
            X = X.to_numpy(dtype=np.float64)
        array = np.asarray(X, dtype=np.float64)
        if array.ndim == 1:
            array = array.reshape(-1, 1)
        if array.ndim != 2:
            raise DataError(f"{what}: expected a 1-D or 2-D array, got {array.ndim} dimensions")
        bad = ~np.isfinite(array)
        if bad.any():
            row, col = np.argwhere(bad)[0]
            kind = "missing (NaN)" if np.isnan(array[row, col]) else "infinite"
            raise DataError(
                f"{what}: row {row + 1}, column {col + 1} is {kind}; "
                "fill missing values first (anomalia.preprocess.fill_missing)"
            )
        return array

    def _check_fitted(self) -> None:
        if not hasattr(self, "n_features_in_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit first")

    def _fitted_input(self, X: ArrayLike, *, what: str) -> np.ndarray:
        """``X`` validated for a fitted detector: as many columns as in ``fit``."""
        self._check_fitted()
        values = self._validate(X, what=what)
        if values.shape[1] != self.n_features_in_:
            raise DataError(
                f"{what}: expected {self.n_features_in_} value column(s) as in fit, "
                f"got {values.shape[1]}"
            )
        return values

    # ------------------------------------------------------------ public API
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> BaseDetector:
        """Fit on a series ordered in time.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, n_features)
            Values ordered in time, no missing values.
        y : array-like of shape (n_samples,), optional
            0/1 labels; required only by supervised detectors.

        Returns
        -------
        self
        """
        values = self._validate(X, what="fit")
        if len(values) < self.min_samples():
            raise DataError(
                f"fit: series has {len(values)} points but {type(self).__name__} "
                f"with these parameters needs at least {self.min_samples()}"
            )
        labels = None
        if y is not None:
            labels = np.asarray(y).reshape(-1)
            if len(labels) != len(values):
                raise DataError(f"fit: got {len(labels)} labels for {len(values)} points")
            if not np.isin(labels, (0, 1)).all():
                raise DataError("fit: labels must be 0 or 1")
            labels = labels.astype(np.int8)
        elif self.requires_labels:
            raise DataError(f"fit: {type(self).__name__} is supervised and needs labels (y)")
        self.n_features_in_ = values.shape[1]
        self.train_fingerprint_ = fingerprint(values)
        self._fit(values, labels)
        train_scores = self._calibration_scores(values, labels)
        finite = train_scores[np.isfinite(train_scores)]
        self.calibration_ = np.quantile(finite, np.linspace(0, 1, _CALIBRATION_POINTS))
        return self

    def score(self, X: ArrayLike, *, calibrated: bool = False) -> np.ndarray:
        """Return one anomaly score per timestamp; higher is more anomalous.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, n_features)
        calibrated : bool, default False
            Map raw scores to [0, 1] through the empirical distribution of
            the training scores (0.99 means above 99% of training scores).

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        self._check_fitted()
        values = self._validate(X, what="score")
        if values.shape[1] != self.n_features_in_:
            raise DataError(
                f"score: expected {self.n_features_in_} value column(s) as in fit, "
                f"got {values.shape[1]}"
            )
        scores = np.asarray(self._score(values), dtype=np.float64)
        if calibrated:
            return self.calibrate(scores)
        return scores

    def calibrate(self, scores: np.ndarray) -> np.ndarray:
        """Map raw scores into [0, 1] by the training scores' empirical CDF."""
        self._check_fitted()
        levels = np.linspace(0.0, 1.0, len(self.calibration_))
        return np.interp(scores, self.calibration_, levels, left=0.0, right=1.0)

    def calibration_scores(self, X: ArrayLike, y: ArrayLike | None = None) -> np.ndarray:
        """Scores of training data that a threshold should be fitted on.

        For most detectors these are the scores of ``X`` itself; detectors that
        see their own training points as too normal (neighbour and kernel
        models) return out-of-sample scores instead, so that a threshold at
        the 99th percentile flags about 1% of new normal data. ``fit`` uses
        them for :meth:`calibrate`; a threshold should be fitted on them too.
        """
        self._check_fitted()
        values = self._validate(X, what="calibration_scores")
        labels = None if y is None else np.asarray(y).reshape(-1).astype(np.int8)
        return np.asarray(self._calibration_scores(values, labels), dtype=np.float64)

    def predict(self, X: ArrayLike, threshold: float) -> np.ndarray:
        """Return 1 where the score exceeds ``threshold``, else 0.

        The detector keeps no threshold of its own; pass one, e.g. a fitted
        threshold's ``threshold_`` or a quantile of :meth:`calibration_scores`.
        """
        return (self.score(X) > threshold).astype(np.int8)

    # --------------------------------------------------------- persistence
    def expected(self, X: ArrayLike) -> np.ndarray | None:
        """What the model expected each row to be, or None where it has no such notion.

        Forecasting and autoencoder detectors return their forecast or
        reconstruction, shaped like ``X`` (nan on rows without one, such as the
        warm-up); the live dashboard plots it against the actual values.
        """
        return None

    @staticmethod
    def _shaped_like(X: ArrayLike, rows: np.ndarray) -> np.ndarray:
        """``rows`` of shape (n, n_features) as one column when ``X`` was one-dimensional."""
        return rows[:, 0] if np.ndim(X) == 1 else rows

    def save(self, path: str | Path) -> Path:
        """Save the fitted detector as a folder: ``config.json`` beside its fitted state.

        The state is data (:mod:`anomalia.persist`: ``state.json`` and arrays
        in ``state.npz``), never a pickle; Keras and R models add their own
        files. The folder is written
        atomically: an existing model at ``path`` is only replaced once the new
        one is complete.
        """
        self._check_fitted()
        path = Path(path)
        config = {
            "detector": self.name,
            "class": f"{type(self).__module__}:{type(self).__qualname__}",
            "params": self.get_params(),
            "anomalia_version": __version__,
            "format_version": FORMAT_VERSION,
            "train_fingerprint": self.train_fingerprint_,
            "n_features_in": self.n_features_in_,
        }
        with atomic_directory(path) as tmp:
            (tmp / "config.json").write_text(json.dumps(config, indent=2, default=str))
            save_state(tmp, self._get_state(), fingerprint=self.train_fingerprint_)
            self._save_artifacts(tmp)
        return path

    def _save_artifacts(self, folder: Path) -> None:
        """Write fitted state in its own safe format (e.g. a Keras model) into ``folder``."""

    def _load_artifacts(self, folder: Path) -> None:
        """Read back what :meth:`_save_artifacts` wrote."""

    def _get_state(self) -> dict[str, Any]:
        """Fitted attributes to persist; subclasses leave out what their artifacts hold."""
        return {k: v for k, v in vars(self).items() if k.endswith("_")}

    def _set_state(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            setattr(self, key, value)

    @classmethod
    def load(cls, path: str | Path) -> BaseDetector:
        """Load a detector saved with :meth:`save`; nothing in the folder is unpickled.

        Raises
        ------
        DataError
            If the folder is not a saved model, holds pickles (a model saved by
            an older anomalia: train it again), lacks a parameter the detector
            has now (likewise), was written in a newer file format, or its
            state belongs to another training run.
        """
        from anomalia.detectors.registry import get_detector_class

        path = Path(path)
        config_file = path / "config.json"
        if not config_file.is_file():
            raise DataError(f"{path}: not a saved model (no config.json)")
        refuse_pickles(path)
        try:
            config = json.loads(config_file.read_text())
            name, params = config["detector"], config["params"]
            trained_on = config["train_fingerprint"]
        except (ValueError, KeyError, TypeError) as error:
            raise DataError(f"{config_file}: not a readable model config ({error})") from None
        check_format_version(
            config.get("format_version"), config.get("anomalia_version"), config_file
        )
        detector_class = get_detector_class(name)
        missing = [p for p in detector_class._param_names() if p not in params]
        if missing:  # its fitted state lacks what the parameter needs, e.g. a newer view
            raise DataError(
                f"{config_file}: saved by anomalia {config.get('anomalia_version', '?')}, whose "
                f"`{name}` had no parameter {', '.join(f'`{p}`' for p in missing)}: train the "
                "model again with `anomalia train`"
            )
        detector = detector_class(**params)
        state = load_state(path, fingerprint=trained_on)
        if state.get("train_fingerprint_") != trained_on:
            raise DataError(
                f"{path}: state.json was fitted on data with fingerprint "
                f"{state.get('train_fingerprint_')}, config.json says {trained_on}; "
                "the files were altered: train the model again with `anomalia train`"
            )
        detector._set_state(state)
        detector._load_artifacts(path)
        return detector

    # ------------------------------------------------------------ streaming
    def stream_history(self) -> int | None:
        """Rows before a point that its score depends on, for scoring in pieces.

        The stream engine (:mod:`anomalia.engine`) keeps this many trailing
        rows between updates, so that a series scored in pieces gets exactly
        the scores of the series scored whole. None means every earlier row
        (the engine then keeps the whole history: correct, but each update
        costs more as the stream grows); a detector can declare a bound by
        overriding this method.

        Raises
        ------
        StreamingError
            If the detector is not causal: its score at t depends on later rows.
        """
        self._check_fitted()
        if not self.causal:
            raise StreamingError(
                f"detector `{self.name}` is not causal (its score at a point depends on "
                "later points), so it cannot score a stream; choose a causal detector "
                "such as zscore, mad, novelty or iforest"
            )
        return None

    def stream_start(self) -> dict[str, Any] | None:
        """Incremental scoring state at the start of a stream, or None to keep history.

        A detector whose score depends on every earlier row (unbounded memory)
        can keep a compact state instead of the history: it returns the state
        here (numbers and arrays only) and implements :meth:`stream_score`.
        """
        return None

    def stream_score(
        self, X: np.ndarray, state: dict[str, Any]
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Scores of rows ``X`` following ``state`` and the next state; ``state`` is kept."""
        raise NotImplementedError(f"{type(self).__name__} has no incremental stream state")

    def warmup_rows(self) -> int:
        """Rows at the start of a series scored before the detector has its full history.

        Their scores are shown with status ``warming_up`` and never flagged.
        """
        return 0

    # ------------------------------------------------------- subclass hooks
    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        raise NotImplementedError

    def _score(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _calibration_scores(self, X: np.ndarray, y: np.ndarray | None) -> np.ndarray:
        """Scores whose distribution sets :meth:`calibrate` and the model's threshold.

        By default the fitted detector's scores of its own training series.
        Detectors that score their training points optimistically (a neighbour
        or kernel model finds each one at distance zero) return out-of-sample
        scores instead; they need not be one per row.
        """
        return self._score(X)
