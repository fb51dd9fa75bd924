"""Box plot of anomaly scores, normal and anomalous points side by side.

Where the histogram shows the shape of the score distribution, the box plot
shows at a glance how far the anomalous points' scores sit above the normal
ones and where the threshold cuts: median, quartiles, whiskers at 1.5 times
the interquartile range, and the points beyond them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
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


def plot_score_boxes(scores: pd.DataFrame, labels: ArrayLike | None, path: str | Path) -> Path:
    """Box plots of the scores of normal and of anomalous points, with the threshold.

    Parameters
    ----------
    scores : pandas.DataFrame
        Contract scores (``score`` and ``threshold`` are used).
    labels : array-like of shape (n_rows,) or None
        Ground truth aligned with the rows of ``scores`` (1 = anomalous; NaN
        rows are left out). None draws one box of all points.
    path : str or pathlib.Path
        PNG to write.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    DataError
        If ``scores`` lacks a column, ``labels`` has the wrong length, or no
        score is finite.
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
    if labels is None:
        groups = [(values[keep], NORMAL_COLOUR, "all points")]
    else:
        anomalous = truth[keep] == 1
        groups = [
            (values[keep][~anomalous], NORMAL_COLOUR, "normal"),
            (values[keep][anomalous], FLAG_COLOUR, "anomalous"),
        ]
        groups = [group for group in groups if group[0].size]
    with house_style():
        figure, (ax,) = new_figure(5.6, 3.3)
        boxes = ax.boxplot(
            [group[0] for group in groups],
            patch_artist=True,
            widths=0.5,
            flierprops={"marker": ".", "markersize": 3, "alpha": 0.5},
        )
        for patch, (_data, colour, _name) in zip(boxes["boxes"], groups, strict=True):
            patch.set_facecolor(colour)
            patch.set_alpha(0.6)
        ax.set_xticks(
            range(1, len(groups) + 1), [f"{name} ({data.size})" for data, _, name in groups]
        )
        threshold = float(np.median(scores["threshold"].to_numpy(dtype=float)[keep]))
        ax.axhline(
            threshold, color=THRESHOLD_COLOUR, ls="--", lw=1.2, label=f"threshold {threshold:.3g}"
        )
        ax.set_title(title_for(scores, "score box plot"), loc="left")
        ax.set_ylabel("score (higher = more anomalous)")
        ax.legend(loc="upper left")
    return save_png(figure, path)
