"""Forecast-residual detectors: a forecaster becomes a detector once, here.

:class:`ForecastResidualDetector` scores each point by how far it lies from
its one-step-ahead forecast, in units of a robust scale of the training
residuals. A subclass only fits a forecaster on one column and produces
one-step-ahead forecasts for a series; multivariate input is modelled column
by column and scored by the worst column. :class:`ArimaDetector` is the
statsmodels ARIMA forecaster on that base.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from anomalia.detectors.base import ArrayLike, BaseDetector
from anomalia.detectors.params import check_choice, check_integer
from anomalia.exceptions import ConfigError, DataError

_MAD_TO_STD = 1.4826  # MAD of a normal distribution times this is its std


class ForecastResidualDetector(BaseDetector):
    """Base class: score = |y - forecast| / robust scale of the training residuals.

    Subclasses implement :meth:`_fit_forecaster` and :meth:`_forecast` for one
    column; the base applies them to each column. A forecaster that models
    all columns jointly overrides :meth:`_fit_forecasters` and
    :meth:`_forecast_all` instead. A forecast may be NaN where the forecaster
    has too little history (the first points of a series); those points
    score 0.

    Attributes
    ----------
    forecasters_ : list
        Fitted forecaster state: by default one entry per value column, as
        returned by :meth:`_fit_forecaster`.
    residual_scale_ : ndarray of shape (n_features,)
        Robust standard deviation (1.4826 * MAD) of each column's training
        residuals, floored to stay positive.
    """

    # One-step-ahead forecasts use rows before t only (see _forecast).
    causal = True

    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        self.forecasters_ = self._fit_forecasters(X)
        residuals = X - self._forecast_all(X)
        center = np.nanmedian(residuals, axis=0)
        mad = np.nanmedian(np.abs(residuals - center), axis=0)
        # A perfectly forecast column must not give infinite scores.
        floor = np.maximum(X.std(axis=0) * 1e-3, 1e-12)
        self.residual_scale_ = np.maximum(mad * _MAD_TO_STD, floor)

    def _score(self, X: np.ndarray) -> np.ndarray:
        scaled = np.abs(X - self._forecast_all(X)) / self.residual_scale_
        return np.nan_to_num(scaled, nan=0.0).max(axis=1)

    def expected(self, X: ArrayLike) -> np.ndarray:
        """One-step-ahead forecast of each row, shaped like ``X``; nan where there is none.

        The forecast of row t uses rows before t only, as the score does.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, n_features)

        Returns
        -------
        ndarray of the shape of ``X``
        """
        values = self._fitted_input(X, what="expected")
        return self._shaped_like(X, self._forecast_all(values))

    # ------------------------------------------------------- subclass hooks
    def _fit_forecasters(self, X: np.ndarray) -> list[Any]:
        """Fit on all columns, shape (n_samples, n_features); one univariate model each."""
        return [self._fit_forecaster(column) for column in X.T]

    def _forecast_all(self, X: np.ndarray) -> np.ndarray:
        """One-step-ahead forecasts of every column, shape (n_samples, n_features)."""
        return np.column_stack(
            [
                self._forecast(forecaster, column)
                for forecaster, column in zip(self.forecasters_, X.T, strict=True)
            ]
        )

    def _fit_forecaster(self, series: np.ndarray) -> Any:
        """Fit on one column, shape (n_samples,); return the picklable state to keep."""
        raise NotImplementedError

    def _forecast(self, forecaster: Any, series: np.ndarray) -> np.ndarray:
        """One-step-ahead forecasts of ``series`` (NaN where none), shape (n_samples,).

        The forecast at ``t`` may use ``series[:t]`` and the fitted state, never
        ``series[t:]``.
        """
        raise NotImplementedError


class ArimaDetector(ForecastResidualDetector):
    """ARIMA one-step-ahead forecast residuals (statsmodels state space).

    The ARIMA parameters are estimated by maximum likelihood on the last
    ``max_train`` training points of each column; new data are scored by
    running the Kalman filter with those parameters fixed (no refit), which
    gives one-step-ahead forecasts in time linear in the series length. The
    first forecasts of a series have no history; with differencing (``d > 0``)
    the first ``d`` points score 0. A column that is constant over the
    training points has no ARIMA to estimate; each of its points is forecast
    by the one before.

    Parameters
    ----------
    order : tuple of int (p, d, q), default (2, 0, 1)
        Autoregressive order, differencing order and moving-average order.
    trend : {"n", "c"}, default "c"
        No deterministic term, or a constant (a drift when ``d = 1``). Trends
        in time are left out on purpose: they would depend on where a scored
        series starts; use differencing instead.
    max_train : int, default 2000
        Training points (the most recent) used to estimate the parameters.

    Attributes
    ----------
    forecasters_ : list of (ndarray or None)
        Estimated ARIMA parameters of each column, in statsmodels' SARIMAX
        order; None for a constant column.
    residual_scale_ : ndarray of shape (n_features,)
        Robust scale of each column's training residuals.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=600).cumsum() * 0.1 + rng.normal(size=600); x[400] += 8
    >>> int(np.argmax(ArimaDetector(order=(1, 1, 1)).fit(x).score(x)))
    400
    """

    name = "arima"

    def __init__(
        self,
        *,
        order: tuple[int, int, int] = (2, 0, 1),
        trend: str = "c",
        max_train: int = 2000,
    ):
        self.order = order
        self.trend = trend
        self.max_train = max_train

    def min_samples(self) -> int:
        self._check_order()
        p, d, q = self.order
        # Enough points for the likelihood to say something about each parameter.
        return 10 + 2 * (p + d + q)

    def warmup_rows(self) -> int:
        # With differencing the first d points have no forecast (diffuse states).
        return int(self.order[1])

    def _check_order(self) -> None:
        order = self.order
        if (
            isinstance(order, (str, bytes))
            or not hasattr(order, "__len__")
            or len(order) != 3
            or any(
                isinstance(term, bool) or not isinstance(term, (int, np.integer)) or term < 0
                for term in order
            )
        ):
            raise ConfigError(f"`order` must be three integers >= 0 (p, d, q), got {order!r}")

    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        check_choice("trend", self.trend, ("n", "c"))
        check_integer("max_train", self.max_train, minimum=self.min_samples())
        super()._fit(X, y)

    def _model(self, series: np.ndarray) -> Any:
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        return SARIMAX(series, order=tuple(int(term) for term in self.order), trend=self.trend)

    def _fit_forecaster(self, series: np.ndarray) -> np.ndarray | None:
        from statsmodels.tools.sm_exceptions import ConvergenceWarning

        recent = series[-self.max_train :]
        if np.ptp(recent) == 0:
            return None  # nothing to estimate: forecast each point by the one before
        with warnings.catch_warnings(record=True) as caught:
            # Start-value warnings ("non-stationary starting autoregressive
            # parameters") are statsmodels internals; only non-convergence matters.
            warnings.simplefilter("always")
            try:
                results = self._model(recent).fit(disp=False)
            except np.linalg.LinAlgError as error:
                raise DataError(
                    f"fit: ARIMA{tuple(self.order)} could not be estimated ({error}); "
                    "try a lower order"
                ) from None
        if any(issubclass(warning.category, ConvergenceWarning) for warning in caught):
            warnings.warn(
                f"ArimaDetector: maximum likelihood did not converge for order "
                f"{tuple(self.order)}; scores use the last estimate",
                RuntimeWarning,
                stacklevel=2,
            )
        return np.asarray(results.params)

    def _forecast(self, forecaster: np.ndarray | None, series: np.ndarray) -> np.ndarray:
        if forecaster is None:
            return np.concatenate([[np.nan], series[:-1]])
        model = self._model(series)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # fixed params: nothing to converge
            results = model.filter(forecaster)
        forecasts = np.asarray(results.fittedvalues, dtype=np.float64).copy()
        # Diffuse initial states (from differencing) give no real forecast yet.
        forecasts[: model.loglikelihood_burn] = np.nan
        return forecasts
