"""How close a model's expectation (forecast or reconstruction) came to the data."""

from __future__ import annotations

import numpy as np

from anomalia.preprocess.scaling import RobustScaler


def expectation_mse(
    actual: np.ndarray,
    expected: np.ndarray,
    *,
    start: int = 0,
    unit: np.ndarray | float | None = None,
) -> float:
    """Mean squared error of ``expected`` against ``actual`` on rows ``start`` onwards.

    Errors are in units of the training rows' interquartile range (by
    default of the rows before ``start``, or of all rows when ``start`` is
    0; a zero range counts as 1), so series of any unit compare and a figure
    can be averaged over a corpus.
    Rows where either array is NaN (no expectation, such as a warm-up) are
    left out; columns are averaged.

    Parameters
    ----------
    actual, expected : ndarray of shape (n,) or (n, n_features)
    start : int, default 0
        First judged row; earlier rows are context (e.g. NAB's probationary period).
    unit : float or ndarray of shape (n_features,), optional
        The unit of each column instead (e.g. a fitted scaler's ``scale_``).

    Returns
    -------
    float
        NaN when no judged row has an expectation.

    Examples
    --------
    >>> x = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    >>> expectation_mse(x, x + 0.5, start=0)  # IQR 2, error 0.25 of it
    0.0625
    """
    actual = np.asarray(actual, dtype=np.float64).reshape(len(actual), -1)
    expected = np.asarray(expected, dtype=np.float64).reshape(actual.shape)
    if unit is None:
        unit = RobustScaler().fit(actual[: start or len(actual)]).scale_
    errors = ((expected - actual) / unit)[start:]
    errors = errors[np.isfinite(errors).all(axis=1)]
    return float(np.mean(np.square(errors))) if len(errors) else float("nan")
