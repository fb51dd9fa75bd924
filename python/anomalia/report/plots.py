"""The report's plots: each function writes one PNG and returns its path.

Frames follow the data contract (see :mod:`anomalia.report`). Every PNG is
written atomically at 110 dpi. The time plots live here; the histogram and
the box plot and the ROC/PR curves live in their own modules and are
re-exported, so all five plots can be imported from this one module. The series and score plots use
the same fixed margins instead of ``tight_layout`` so that, stacked on a page,
their time axes line up.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.transforms import blended_transform_factory

from anomalia.exceptions import DataError
from anomalia.report.boxplot import plot_score_boxes
from anomalia.report.curves import plot_roc_pr
from anomalia.report.figures import (
    FLAG_COLOUR,
    LABEL_COLOUR,
    MISSING_COLOUR,
    PALETTE,
    SCORE_COLOUR,
    THRESHOLD_COLOUR,
    VALUE_COLOUR,
    WIDE,
    align_time_axes,
    format_time_axis,
    house_style,
    literal,
    median_step,
    naive_utc,
    new_figure,
    save_png,
    single_value,
    title_for,
)
from anomalia.report.histogram import plot_score_histogram
from anomalia.report.inputs import SCORE_COLUMNS, require_columns

__all__ = ["plot_roc_pr", "plot_score_boxes", "plot_score_histogram", "plot_scores", "plot_series"]


def _non_empty(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    if frame.empty:
        raise DataError(f"`{name}` has no rows to plot; pass the rows of one series")
    return frame


def _windows(observations: pd.DataFrame, events: pd.DataFrame | None) -> pd.DataFrame:
    """Labelled windows to shade: from ``events`` if given, else runs of ``label == 1``."""
    if events is not None:
        return pd.DataFrame(
            {
                "kind": events["kind"].astype(str).to_numpy(),
                "start": naive_utc(events["start"]),
                "end": naive_utc(events["end"]),
            }
        )
    if "label" not in observations.columns:
        return pd.DataFrame({"kind": [], "start": [], "end": []})
    inside = np.concatenate([[0], observations["label"].fillna(0).to_numpy() == 1, [0]])
    edges = np.diff(inside.astype(np.int8))
    times = naive_utc(observations["timestamp"])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return pd.DataFrame({"kind": "anomaly", "start": times[starts], "end": times[ends]})


def _shade_windows(
    ax: Axes, windows: pd.DataFrame, step: np.timedelta64, span: np.timedelta64
) -> None:
    """Shade each window and name its kind above the data.

    A window is drawn at least one sampling ``step`` and 0.4 % of the plotted
    ``span`` wide, so a one-point spike stays visible on a long series. Names
    sit in a band of headroom added above the data, alternating between two
    rows so that names of neighbouring windows do not collide.
    """
    if windows.empty:
        return
    least = max(step, span / 250)
    low, high = ax.get_ylim()
    ax.set_ylim(low, high + 0.25 * (high - low))
    on_top = blended_transform_factory(ax.transData, ax.transAxes)
    named = set()
    for row, (kind, start, end) in enumerate(windows.sort_values("start").itertuples(index=False)):
        missing = kind == "missing"
        legend = "missing data" if missing else "labelled anomaly"
        widen = max(least - (end - start), step) / 2
        ax.axvspan(
            start - widen,
            end + widen,
            lw=0,
            zorder=0,
            color=MISSING_COLOUR if missing else LABEL_COLOUR,
            alpha=0.25 if missing else 0.3,
            hatch="///" if missing else None,
            label=None if legend in named else legend,
        )
        named.add(legend)
        ax.text(
            start + (end - start) / 2,
            0.975 if row % 2 == 0 else 0.895,
            literal(kind).replace("_", " "),
            transform=on_top,
            ha="center",
            va="top",
            fontsize=7,
            color="#555555" if missing else "#8a5300",
            clip_on=True,
        )


def plot_series(
    observations: pd.DataFrame,
    scores: pd.DataFrame | None,
    events: pd.DataFrame | None,
    path: str | Path,
    value_column: str = "value",
) -> Path:
    """Plot one series with its flagged points and its labelled windows shaded.

    Parameters
    ----------
    observations : pandas.DataFrame
        Rows of one series: ``timestamp``, ``value_column`` and optionally
        ``series_id`` and ``label``.
    scores : pandas.DataFrame or None
        Scores of one detector on this series; points with ``is_anomaly`` are
        marked. None marks nothing.
    events : pandas.DataFrame or None
        Events of this series (``kind``, ``start``, ``end``, inclusive); each
        is shaded and named. None shades the runs of ``label == 1`` instead.
    path : str or pathlib.Path
        PNG to write.
    value_column : str, default "value"
        Column plotted.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    DataError
        If a frame lacks a needed column or ``observations`` is empty.
    """
    require_columns(observations, ("timestamp", value_column), "observations")
    _non_empty(observations, "observations")
    observations = observations.sort_values("timestamp")
    times = naive_utc(observations["timestamp"])
    with house_style():
        figure, (ax,) = new_figure(WIDE, 3.3)
        ax.plot(
            times,
            observations[value_column].to_numpy(),
            color=VALUE_COLOUR,
            lw=0.8,
            label=literal(value_column),
        )
        if events is not None:
            require_columns(events, ("kind", "start", "end"), "events")
        title = title_for(observations, value_column)
        if scores is not None:
            require_columns(scores, ("timestamp", "is_anomaly"), "scores")
            flagged = scores.loc[scores["is_anomaly"].astype(bool), ["timestamp"]]
            flagged = flagged.merge(observations[["timestamp", value_column]], on="timestamp")
            detector = single_value(scores, "detector")
            ax.scatter(
                naive_utc(flagged["timestamp"]),
                flagged[value_column].to_numpy(),
                s=16,
                color=FLAG_COLOUR,
                zorder=3,
                label=f"flagged ({len(flagged)})",
            )
            title += f" · flagged by {detector}" if detector else ""
        # After all data is drawn: the names need headroom above the final limits.
        windows = _windows(observations, events)
        _shade_windows(ax, windows, median_step(times), times[-1] - times[0])
        ax.set_title(title, loc="left")
        ax.set_ylabel(literal(value_column))
        ax.set_xlim(times[0], times[-1])
        format_time_axis(ax)
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=4, frameon=False)
        align_time_axes(figure)
    return save_png(figure, path, tight=False)


def plot_scores(scores: pd.DataFrame, path: str | Path) -> Path:
    """Plot anomaly scores over time with the threshold line and the flagged points.

    Parameters
    ----------
    scores : pandas.DataFrame
        Scores of one series (contract columns); one line per detector. The
        threshold may vary from row to row and is drawn as a step line.
    path : str or pathlib.Path
        PNG to write.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    DataError
        If ``scores`` lacks a contract column or is empty.
    """
    require_columns(scores, SCORE_COLUMNS, "scores")
    _non_empty(scores, "scores")
    detectors = scores["detector"].astype(str)
    single = detectors.nunique() == 1
    with house_style():
        figure, (ax,) = new_figure(WIDE, 3.3)
        for index, (detector, rows) in enumerate(scores.groupby(detectors, sort=False)):
            rows = rows.sort_values("timestamp")
            times = naive_utc(rows["timestamp"])
            colour = SCORE_COLOUR if single else PALETTE[index % len(PALETTE)]
            flagged = rows["is_anomaly"].astype(bool).to_numpy()
            ax.plot(
                times,
                rows["score"].to_numpy(),
                color=colour,
                lw=0.8,
                label="score" if single else f"{literal(detector)} score",
            )
            ax.plot(
                times,
                rows["threshold"].to_numpy(),
                drawstyle="steps-post",
                ls="--",
                lw=1.1,
                color=THRESHOLD_COLOUR if single else colour,
                label="threshold" if single else f"{literal(detector)} threshold",
            )
            ax.scatter(
                times[flagged],
                rows["score"].to_numpy()[flagged],
                s=14,
                color=FLAG_COLOUR,
                zorder=3,
                label=f"flagged ({flagged.sum()})" if single else None,
            )
        ax.set_title(title_for(scores, "anomaly score"), loc="left")
        ax.set_ylabel("score (higher = more anomalous)")
        all_times = naive_utc(scores["timestamp"])
        ax.set_xlim(all_times.min(), all_times.max())
        format_time_axis(ax)
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=4, frameon=False)
        align_time_axes(figure)
    return save_png(figure, path, tight=False)
