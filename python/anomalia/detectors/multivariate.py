"""Joint detection of multivariate series: PCA's T² and Q statistics, with per-column contributions.

Correlated sensors move together; a fault often shows first as a *broken
relationship* (one sensor decouples from the others) while every sensor
alone stays in its usual range, so column-by-column detectors miss it. The
classical answer of multivariate statistical process control is a principal
component model of the standardised training data (Jackson & Mudholkar 1979;
MacGregor & Kourti 1995):

* Hotelling's T² measures how far a row lies *within* the model's subspace,
  in units of each component's variance (an unusual but consistent state);
* Q, the squared prediction error, measures the distance *off* the subspace
  (a broken correlation).

The score is Yue & Qin's (2001) combined index ``T²/τ² + Q/δ²`` with ``τ²`` and
``δ²`` the 99th percentiles of the training rows' T² and Q, so a score above 2
is unusual for both. Each row's score splits exactly into one contribution per
column (complete decomposition, Alcala & Qin 2009): :meth:`contributions`.
"""

from __future__ import annotations

import numpy as np

from anomalia.detectors.base import ArrayLike, BaseDetector
from anomalia.detectors.params import check_number

_LIMIT_QUANTILE = 0.99


class PcaDetector(BaseDetector):
    """PCA combined index of T² and Q residuals over the value columns.

    Parameters
    ----------
    variance : float, default 0.9
        Share of the standardised training variance the principal components
        keep, in (0, 1]; the rest is residual space (Q).

    Attributes
    ----------
    center_, scale_ : ndarray of shape (n_features,)
        Training median and standard deviation (floored) of each column.
    components_ : ndarray of shape (n_components, n_features)
        Principal axes of the standardised training rows.
    explained_variance_ : ndarray of shape (n_components,)
        Variance of the training rows along each axis (floored).
    t2_limit_, q_limit_ : float
        99th percentiles of the training rows' T² and Q.
    root_ : ndarray of shape (n_features, n_features)
        Symmetric square root of the combined index's matrix: the score of a
        standardised row ``z`` is ``|root_ @ z|²``, and the squares of
        ``root_ @ z`` are the column contributions.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> base = rng.normal(size=(500, 1))
    >>> X = np.hstack([base, 2 * base, -base]) + 0.05 * rng.normal(size=(500, 3))
    >>> X[400, 1] = 0.0  # the second sensor breaks ranks, within its usual range
    >>> detector = PcaDetector().fit(X[:300])
    >>> int(np.argmax(detector.score(X))), int(np.argmax(detector.contributions(X)[400]))
    (400, 1)
    """

    name = "pca"
    causal = True

    def __init__(self, *, variance: float = 0.9):
        self.variance = variance

    def min_samples(self) -> int:
        return 3

    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        check_number("variance", self.variance, low=0.0, high=1.0, low_open=True)
        self.center_ = np.median(X, axis=0)
        std = X.std(axis=0)
        self.scale_ = np.maximum(std, 1e-9 * np.maximum(np.abs(X).max(axis=0), 1.0))
        Z = (X - self.center_) / self.scale_
        _, singular, axes = np.linalg.svd(Z - Z.mean(axis=0), full_matrices=False)
        variances = singular**2 / max(len(Z) - 1, 1)
        total = variances.sum()
        share = np.cumsum(variances) / total if total > 0 else np.ones(len(variances))
        kept = int(np.searchsorted(share, self.variance - 1e-12) + 1)
        kept = min(kept, len(variances))
        self.components_ = axes[:kept]
        self.explained_variance_ = np.maximum(variances[:kept], 1e-6)
        t2, q = self._statistics(Z)
        self.t2_limit_ = float(max(np.quantile(t2, _LIMIT_QUANTILE), 1e-9))
        self.q_limit_ = float(max(np.quantile(q, _LIMIT_QUANTILE), 1e-9))
        n_features = X.shape[1]
        projection = self.components_.T @ self.components_
        matrix = (np.eye(n_features) - projection) / self.q_limit_ + (
            self.components_.T @ np.diag(1.0 / self.explained_variance_) @ self.components_
        ) / self.t2_limit_
        eigenvalues, eigenvectors = np.linalg.eigh((matrix + matrix.T) / 2)
        self.root_ = eigenvectors @ np.diag(np.sqrt(np.maximum(eigenvalues, 0.0))) @ eigenvectors.T

    def _statistics(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """T² and Q of standardised rows."""
        projected = Z @ self.components_.T
        t2 = (projected**2 / self.explained_variance_).sum(axis=1)
        residual = Z - projected @ self.components_
        return t2, (residual**2).sum(axis=1)

    def _score(self, X: np.ndarray) -> np.ndarray:
        return self._contributions(X).sum(axis=1)

    def _contributions(self, X: np.ndarray) -> np.ndarray:
        return ((X - self.center_) / self.scale_ @ self.root_) ** 2

    def expected(self, X: ArrayLike) -> np.ndarray:
        """Each row's reconstruction from the principal components, shaped like ``X``.

        What the sensors would read if they kept the training relationship:
        the row projected onto the model's subspace, in the original units.
        The gap to the actual row is what Q measures; a sensor that broke
        ranks lies far from its expected value. With one column (or
        ``variance=1``) the subspace is everything and the reconstruction is
        the row itself.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, n_features)

        Returns
        -------
        ndarray of the shape of ``X``
        """
        values = self._fitted_input(X, what="expected")
        standard = (values - self.center_) / self.scale_
        rebuilt = standard @ self.components_.T @ self.components_
        return self._shaped_like(X, rebuilt * self.scale_ + self.center_)

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Each column's share of each row's score: the rows sum to :meth:`score`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_features)
            Non-negative; the largest entry of a row names the sensor that
            moved most against the model.
        """
        return self._contributions(self._fitted_input(X, what="contributions"))
