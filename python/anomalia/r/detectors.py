"""R detectors behind the common detector interface.

:class:`SarimaDetector` and :class:`StlDetector` fit and score with the R
package anomaliaR (``sarima_detector()``, ``stl_detector()``) through rpy2;
the base class validates input and sets the threshold as for every other
detector. The fitted R object is saved beside ``config.json`` as
``model.rds`` (``anomaliaR::save_detector()``), since it cannot be pickled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from anomalia.detectors.base import ArrayLike, BaseDetector
from anomalia.r.convert import owned_doubles, to_r_matrix
from anomalia.r.session import call, robjects

_MODEL_FILE = "model.rds"


class RDetector(BaseDetector):
    """Base class: a detector whose ``_fit``/``_score`` run in R.

    Attributes
    ----------
    r_model_ : rpy2 object
        The fitted anomaliaR detector (kept in R, saved as ``model.rds``).
    """

    #: anomaliaR constructor that builds the unfitted detector.
    r_constructor: ClassVar[str] = ""
    #: R ``function(model, x)`` giving what the fitted model expected of each
    #: value of matrix ``x`` (a matrix like ``x``, NA where none); "" for none.
    r_expected: ClassVar[str] = ""

    def _r_params(self) -> dict[str, Any]:
        return self.get_params()

    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        detector = call(self.r_constructor, **self._r_params())
        self.r_model_ = call("fit", detector, to_r_matrix(X))

    def _score(self, X: np.ndarray) -> np.ndarray:
        return owned_doubles(call("score", self.r_model_, to_r_matrix(X)))

    def expected(self, X: ArrayLike) -> np.ndarray | None:
        """What the R model expected each row to be, shaped like ``X`` (nan where none)."""
        if not self.r_expected:
            return None
        values = self._fitted_input(X, what="expected")
        function = robjects().r(self.r_expected)
        rows = owned_doubles(function(self.r_model_, to_r_matrix(values)))
        return self._shaped_like(X, rows.reshape(values.shape, order="F"))

    def _get_state(self) -> dict[str, Any]:
        return {k: v for k, v in super()._get_state().items() if k != "r_model_"}

    def _save_artifacts(self, folder: Path) -> None:
        call("save_detector", self.r_model_, str(folder / _MODEL_FILE))

    def _load_artifacts(self, folder: Path) -> None:
        self.r_model_ = call("load_detector", str(folder / _MODEL_FILE))


class SarimaDetector(RDetector):
    """Seasonal ARIMA one-step-ahead forecast residuals, from R's ``forecast::auto.arima``.

    The score is ``|y - forecast| / (1.4826 * MAD of the training residuals)``,
    as :class:`~anomalia.detectors.forecast.ForecastResidualDetector`; new data
    are filtered with the fitted coefficients (no re-estimation), so the score
    at ``t`` depends only on rows up to ``t``. Periods above ``max_period``
    are handled by a seasonal difference at that lag and a non-seasonal
    ARIMA (see ``?anomaliaR::sarima_detector``).

    Parameters
    ----------
    period : int, optional
        Season length in rows; detected when None, by anomaliaR's port of
        :func:`anomalia.features.season.detect_season` (the same period).
    max_period : int, default 24
        Longest period modelled with seasonal ARIMA terms.
    max_order : int, default 3
        Largest non-seasonal AR and MA order searched.
    max_train : int, default 2000
        Training rows used (the most recent).
    stepwise : bool, default True
        Stepwise order search (fast) instead of the full grid.

    Attributes
    ----------
    r_model_ : rpy2 object
        The fitted ``anomalia_sarima`` R object.
    """

    name = "sarima"
    causal = True
    r_constructor = "sarima_detector"
    # The one-step forecasts the score is the residual of. anomaliaR exports no
    # `expected()` yet, so this calls its internal helper (`:::`).
    r_expected = """function(model, x) vapply(seq_len(ncol(x)), function(j)
        anomaliaR:::sarima_forecasts(model$models[[j]], x[, j]), numeric(nrow(x)))"""

    def __init__(
        self,
        *,
        period: int | None = None,
        max_period: int = 24,
        max_order: int = 3,
        max_train: int = 2000,
        stepwise: bool = True,
    ):
        self.period = period
        self.max_period = max_period
        self.max_order = max_order
        self.max_train = max_train
        self.stepwise = stepwise

    def min_samples(self) -> int:
        return 20 if self.period is None else 2 * int(self.period) + 10


class StlDetector(RDetector):
    """Robust STL remainder, from R's ``forecast::mstl``.

    Each scored series is decomposed on its own; the score is the absolute
    remainder, centred and scaled by the training remainders' median and
    1.4826 * MAD. Not causal: the decomposition at ``t`` uses later rows.

    Parameters
    ----------
    period : int, optional
        Season length in rows; detected when None.
    seasonal_window : "periodic" or odd int >= 7, default "periodic"
        Loess window of the seasonal component.
    robust : bool, default True
        Robust Loess fitting, so anomalies do not bend the decomposition.

    Attributes
    ----------
    r_model_ : rpy2 object
        The fitted ``anomalia_stl`` R object.
    """

    name = "stl"
    causal = False
    r_constructor = "stl_detector"
    # Trend plus season: the series less the remainder the score is made of
    # (anomaliaR's internal helper, as for sarima).
    r_expected = """function(model, x) vapply(seq_len(ncol(x)), function(j)
        x[, j] - anomaliaR:::stl_remainder(x[, j], model$periods[[j]], model$params),
        numeric(nrow(x)))"""

    def __init__(
        self,
        *,
        period: int | None = None,
        seasonal_window: str | int = "periodic",
        robust: bool = True,
    ):
        self.period = period
        self.seasonal_window = seasonal_window
        self.robust = robust

    def min_samples(self) -> int:
        return 20 if self.period is None else 2 * int(self.period) + 1
