"""Histogram of anomaly scores, split into normal and anomalous points.

Counts are on a log scale: anomalies are a few percent of the points, and on
a linear scale their histogram would vanish next to the normal one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

from anomalia.exceptions import DataError
from anomalia.report.figures import (
    FLAG_COLOUR,
    NORMAL_COLOUR,
    THRESHOLD_COLOUR,
    house_style,
    new_figure,
    save_png,
    title_for,
)
from anomalia.report.inputs import require_columns


def _threshold_marker(ax: Axes, thresholds: np.ndarray) -> None:
    """A line at a constant threshold; median line plus range band when it varies."""
    if thresholds.size == 0:
        return
    low, middle, high = np.quantile(thresholds, [0.0, 0.5, 1.0])
    if np.isclose(low, high):
        ax.axvline(middle, color=THRESHOLD_COLOUR, ls="--", lw=1.2, label=f"threshold {middle:.3g}")
        return
    ax.axvspan(low, high, color=THRESHOLD_COLOUR, alpha=0.1, lw=0, label="threshold range")
    ax.axvline(
        middle, color=THRESHOLD_COLOUR, ls="--", lw=1.2, label=f"median threshold {middle:.3g}"
    )


def plot_score_histogram(
    scores: pd.DataFrame, labels: ArrayLike | None, path: str | Path, *, bins: int = 40
) -> Path:
    """Histograms of the scores of normal and of anomalous points, with the threshold.

    Parameters
    ----------
    scores : pandas.DataFrame
        Contract scores (``score`` and ``threshold`` are used).
    labels : array-like of shape (n_rows,) or None
        Ground truth aligned with the rows of ``scores`` (1 = anomalous; NaN
        rows are left out). None draws one histogram of all points.
    path : str or pathlib.Path
        PNG to write.
    bins : int, default 40
        Number of bins shared by both histograms.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    DataError
        If ``scores`` lacks a column or ``labels`` has the wrong length.
    """
    require_columns(scores, ("score", "threshold"), "scores")
    values = scores["score"].to_numpy(dtype=float)
    keep = np.isfinite(values)
    if labels is not None:
        truth = np.asarray(labels, dtype=float)
        if truth.shape != values.shape:
            raise DataError(
                f"`labels` must have one entry per row of `scores` ({values.size}), "
                f"got shape {truth.shape}"
            )
        keep &= ~np.isnan(truth)
    if not keep.any():
        raise DataError("`scores` has no finite score to plot")
    edges = np.histogram_bin_edges(values[keep], bins=bins)
    with house_style():
        figure, (ax,) = new_figure(5.6, 3.3)
        if labels is None:
            ax.hist(
                values[keep],
                bins=edges,
                color=NORMAL_COLOUR,
                alpha=0.75,
                label=f"all points ({keep.sum()}, no labels)",
            )
        else:
            anomalous = truth[keep] == 1
            for selection, colour, name in (
                (~anomalous, NORMAL_COLOUR, "normal"),
                (anomalous, FLAG_COLOUR, "anomalous"),
            ):
                ax.hist(
                    values[keep][selection],
                    bins=edges,
                    color=colour,
                    alpha=0.6,
                    label=f"{name} ({selection.sum()})",
                )
        _threshold_marker(ax, scores["threshold"].to_numpy(dtype=float)[keep])
        ax.set_yscale("log")
        ax.set_title(title_for(scores, "score distribution"), loc="left")
        ax.set_xlabel("score (higher = more anomalous)")
        ax.set_ylabel("points (log scale)")
        ax.legend(loc="upper right")
    return save_png(figure, path)
