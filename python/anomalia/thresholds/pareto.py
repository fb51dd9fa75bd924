"""The generalised Pareto tail model behind peaks-over-threshold.

Extreme value theory (Pickands-Balkema-de Haan) says the excesses
``y = x - t`` of scores over a high threshold ``t`` follow a generalised
Pareto distribution (GPD) with shape ``gamma`` and scale ``sigma``. From it
the score exceeded with probability ``risk`` is (Siffer et al., KDD 2017,
eq. 1)::

    z = t + sigma / gamma * ((risk * n / n_peaks) ** -gamma - 1)

and ``z = t - sigma * log(risk * n / n_peaks)`` in the limit ``gamma -> 0``.

The fit is maximum likelihood through Grimshaw's reduction, as in the
paper: writing ``theta = gamma / sigma``, the best ``gamma`` for a given
``theta`` is ``mean(log(1 + theta * y))``, which leaves a one-dimensional
profile likelihood in ``theta``. It is evaluated on a log-spaced grid (all
points at once) and refined around the best grid point with a bounded Brent
search, which avoids scipy's generic optimiser and is several times faster.
"""

from __future__ import annotations

import numpy as np

#: Fewer excesses than this give too noisy a shape: the tail is taken as
#: exponential (shape 0, scale = mean excess, its maximum likelihood fit).
MIN_PEAKS_FOR_SHAPE = 10

# theta * max(y) ranges over (-1, inf); these points cover it densely near
# -1 (bounded tails), near 0 (exponential-like) and out to very heavy tails.
_GRID = np.unique(
    np.r_[
        -1.0 + np.logspace(-6, -0.3, 20),
        -np.logspace(-6, -0.3, 20),
        0.0,
        np.logspace(-6, 8, 60),
    ]
)
# The likelihood is unbounded as gamma -> -inf; shapes below -1 are not
# regular maximum likelihood solutions and are ruled out.
_LOWEST_SHAPE = -1.0
# Below this |gamma| the exponential formula is used for the quantile.
_ZERO_SHAPE = 1e-12


def fit_pareto(excesses: np.ndarray) -> tuple[float, float]:
    """Fit a GPD with location 0 to positive excesses by maximum likelihood.

    Parameters
    ----------
    excesses : ndarray of shape (n_peaks,)
        Positive excesses over the initial threshold.

    Returns
    -------
    shape : float
        ``gamma``; 0 when fewer than :data:`MIN_PEAKS_FOR_SHAPE` excesses.
    scale : float
        ``sigma``; 0 when there are no excesses.
    """
    if excesses.size == 0:
        return 0.0, 0.0
    if excesses.size < MIN_PEAKS_FOR_SHAPE:
        return 0.0, float(excesses.mean())
    largest = float(excesses.max())
    log_likelihood, shapes, scales = _profile(_GRID / largest, excesses)
    log_likelihood[shapes < _LOWEST_SHAPE] = -np.inf
    best = int(np.argmax(log_likelihood))
    lower = _GRID[max(best - 1, 0)] / largest
    upper = _GRID[min(best + 1, _GRID.size - 1)] / largest
    from scipy.optimize import minimize_scalar  # imported on use: it takes 1 s to load

    refined = minimize_scalar(
        lambda theta: -_profile(np.array([theta]), excesses)[0][0],
        bounds=(lower, upper),
        method="bounded",
        options={"xatol": 1e-12 / largest},
    )
    if refined.success and -refined.fun > log_likelihood[best]:
        _, shape, scale = _profile(np.array([refined.x]), excesses)
        if shape[0] >= _LOWEST_SHAPE:
            return float(shape[0]), float(scale[0])
    return float(shapes[best]), float(scales[best])


def tail_quantile(
    initial_threshold: float,
    shape: float,
    scale: float,
    *,
    risk: float,
    n_observations: int,
    n_peaks: int,
) -> float:
    """Score exceeded with probability ``risk`` under the fitted tail.

    With no peaks there is no tail to extrapolate, and ``initial_threshold``
    is returned.
    """
    if n_peaks == 0 or scale <= 0.0:
        return float(initial_threshold)
    log_ratio = np.log(risk * n_observations / n_peaks)
    if abs(shape) < _ZERO_SHAPE:
        return float(initial_threshold - scale * log_ratio)
    # expm1 keeps the formula accurate as gamma approaches 0.
    return float(initial_threshold + scale / shape * np.expm1(-shape * log_ratio))


def _profile(theta: np.ndarray, excesses: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Profile log-likelihood, shape and scale for each ``theta``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        shapes = np.log1p(np.outer(theta, excesses)).mean(axis=1)
        scales = np.where(theta != 0.0, shapes / theta, excesses.mean())
        log_likelihood = -excesses.size * (np.log(scales) + shapes + 1.0)
    log_likelihood[~np.isfinite(log_likelihood)] = -np.inf
    return log_likelihood, shapes, scales
