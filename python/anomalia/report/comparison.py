"""Detectors side by side: one bar panel per metric, and fit/score runtimes.

Used by ``anomalia evaluate --report`` and by tracked experiments (as MLflow
artifacts). Each function writes one PNG atomically and returns its path.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from anomalia.exceptions import DataError
from anomalia.report.figures import PALETTE, house_style, literal, new_figure, save_png


def _by_detector(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    if "detector" not in frame.columns:
        raise DataError(f"`{name}` needs a `detector` column, one row per detector")
    if frame.empty:
        raise DataError(f"`{name}` has no rows to plot")
    return frame.set_index(frame["detector"].astype(str))


def plot_metric_comparison(
    metrics: pd.DataFrame, panels: Mapping[str, str], path: str | Path
) -> Path:
    """Horizontal bars per detector, one panel per metric.

    Parameters
    ----------
    metrics : DataFrame
        One row per detector with a ``detector`` column and the metric columns.
    panels : mapping of str to str
        Metric column to panel title, in panel order; absent columns are skipped.
    path : str or pathlib.Path
        PNG to write.

    Returns
    -------
    pathlib.Path
    """
    table = _by_detector(metrics, "metrics")
    columns = [column for column in panels if column in table.columns]
    if not columns:
        raise DataError(f"`metrics` has none of the columns {', '.join(panels)}")
    positions = np.arange(len(table))
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(table))]
    with house_style():
        figure, axes = new_figure(3.0 * len(columns), 0.9 + 0.35 * len(table), len(columns))
        for ax, column in zip(axes, columns, strict=True):
            values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
            ax.barh(positions, np.nan_to_num(values), color=colours)
            for position, value in zip(positions, values, strict=True):
                label = "n/a" if np.isnan(value) else f"{value:.3g}"
                ax.annotate(label, (max(np.nan_to_num(value), 0), position), xytext=(3, 0),
                            textcoords="offset points", va="center", fontsize=7)  # fmt: skip
            ax.set_title(literal(panels[column]))
            ax.set_yticks(positions, [literal(d) for d in table.index] if ax is axes[0] else [])
            ax.invert_yaxis()
            ax.margins(x=0.25)
        return save_png(figure, path)


def plot_runtimes(timings: pd.DataFrame, path: str | Path) -> Path:
    """Fit and score seconds per detector as stacked horizontal bars.

    Parameters
    ----------
    timings : DataFrame
        ``detector``, ``fit_seconds`` and ``score_seconds`` columns.
    path : str or pathlib.Path
        PNG to write.
    """
    table = _by_detector(timings, "timings")
    fit = table["fit_seconds"].to_numpy(dtype=float)
    score = table["score_seconds"].to_numpy(dtype=float)
    positions = np.arange(len(table))
    with house_style():
        figure, (ax,) = new_figure(6.5, 0.9 + 0.35 * len(table))
        ax.barh(positions, fit, color=PALETTE[0], label="fit")
        ax.barh(positions, score, left=fit, color=PALETTE[4], label="score")
        ax.set_yticks(positions, [literal(d) for d in table.index])
        ax.invert_yaxis()
        ax.set_xlabel("seconds")
        ax.set_title("Runtime per detector")
        ax.legend(loc="lower right")
        return save_png(figure, path)
