"""Input drift against the training data: a small reference summary, PSI and KS.

A :class:`Reference` holds, per value column, the training quantiles and the
share of training points in decile bins: a few hundred numbers that stand in
for the training data, saved beside a model set (``reference.json``). New data
is compared with it by

- the population stability index over the decile bins,
  ``PSI = sum((new - ref) * ln(new / ref))``; by the usual rule of thumb
  below 0.1 is stable, 0.1-0.2 a moderate shift, above 0.2 a significant one;
- the Kolmogorov-Smirnov statistic, the largest gap between the new data's
  empirical CDF and the reference CDF interpolated from the stored quantiles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

N_QUANTILES = 101  # percentiles 0..100
N_BINS = 10
# Empty bins would make PSI infinite; floor the shares as is customary.
_SHARE_FLOOR = 1e-4


@dataclass(frozen=True)
class ColumnReference:
    """Training distribution of one value column.

    Attributes
    ----------
    n : int
        Number of finite training values.
    quantiles : ndarray of shape (101,)
        Training percentiles 0, 1, ..., 100.
    edges : ndarray of shape (n_edges,)
        Interior bin edges (distinct training deciles).
    shares : ndarray of shape (n_edges + 1,)
        Share of training values in each bin, outer bins open-ended.
    """

    n: int
    quantiles: np.ndarray
    edges: np.ndarray
    shares: np.ndarray

    @classmethod
    def from_values(cls, values: np.ndarray) -> ColumnReference:
        """Summarise the finite entries of ``values``."""
        finite = values[np.isfinite(values)]
        quantiles = np.quantile(finite, np.linspace(0.0, 1.0, N_QUANTILES))
        edges = np.unique(np.quantile(finite, np.linspace(0.0, 1.0, N_BINS + 1)[1:-1]))
        return cls(len(finite), quantiles, edges, _bin_shares(finite, edges))

    def psi(self, values: np.ndarray) -> float:
        """Population stability index of ``values`` against the reference bins."""
        finite = values[np.isfinite(values)]
        expected = np.maximum(self.shares, _SHARE_FLOOR)
        actual = np.maximum(_bin_shares(finite, self.edges), _SHARE_FLOOR)
        return float(np.sum((actual - expected) * np.log(actual / expected)))

    def ks(self, values: np.ndarray) -> float:
        """Kolmogorov-Smirnov statistic of ``values`` against the reference CDF."""
        finite = np.sort(values[np.isfinite(values)])
        levels = np.linspace(0.0, 1.0, N_QUANTILES)
        # Reference CDF at each new value, interpolated between stored quantiles.
        reference_cdf = np.interp(finite, self.quantiles, levels, left=0.0, right=1.0)
        n = len(finite)
        above = np.arange(1, n + 1) / n - reference_cdf
        below = reference_cdf - np.arange(n) / n
        return float(max(above.max(), below.max(), 0.0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "quantiles": self.quantiles.tolist(),
            "edges": self.edges.tolist(),
            "shares": self.shares.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnReference:
        return cls(
            int(data["n"]),
            np.asarray(data["quantiles"], dtype=np.float64),
            np.asarray(data["edges"], dtype=np.float64),
            np.asarray(data["shares"], dtype=np.float64),
        )


def _bin_shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    # Bin i holds edges[i-1] < x <= edges[i]: right-closed, so the decile itself
    # falls in the lower bin, matching how np.quantile splits the training data.
    counts = np.bincount(np.searchsorted(edges, values, side="left"), minlength=len(edges) + 1)
    return counts / max(len(values), 1)


def summarise(frame: pd.DataFrame, columns: list[str]) -> dict[str, ColumnReference]:
    """Reference summary of each of ``columns`` of ``frame`` (columns with no value skipped)."""
    summary = {}
    for column in columns:
        values = frame[column].to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isfinite(values).any():
            summary[column] = ColumnReference.from_values(values)
    return summary


def drift_table(
    frame: pd.DataFrame,
    references: dict[str, dict[str, ColumnReference]],
    min_points: int = 1,
) -> pd.DataFrame:
    """PSI and KS of every series and value column of ``frame`` that has a reference.

    Parameters
    ----------
    frame : DataFrame
        Observations (``series_id`` and value columns).
    references : dict
        Series id -> column -> :class:`ColumnReference`.
    min_points : int
        Series/columns with fewer finite values are left out (PSI is noise on a handful).

    Returns
    -------
    DataFrame
        Columns ``series_id``, ``feature``, ``n``, ``psi``, ``ks``.
    """
    rows = []
    for series_id, part in frame.groupby("series_id", sort=False):
        for column, reference in references.get(str(series_id), {}).items():
            if column not in part.columns:
                continue
            values = part[column].to_numpy(dtype=np.float64, na_value=np.nan)
            n = int(np.isfinite(values).sum())
            if n < max(min_points, 1):
                continue
            rows.append(
                {
                    "series_id": str(series_id),
                    "feature": column,
                    "n": n,
                    "psi": reference.psi(values),
                    "ks": reference.ks(values),
                }
            )
    return pd.DataFrame(rows, columns=["series_id", "feature", "n", "psi", "ks"])
