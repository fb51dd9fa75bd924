"""Figure creation, house colours and atomic PNG saving for the report plots.

Figures are built with the object-oriented ``matplotlib.figure.Figure`` API
rather than ``pyplot``: nothing is registered in pyplot's global figure list,
and no display backend is touched (PNG output goes through Agg), so nothing
needs closing and the report works on a headless server.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from anomalia.atomic import atomic_file

DPI = 110
#: Width of the full-width time plots, in inches (about 1200 px at ``DPI``).
WIDE = 11.0

VALUE_COLOUR = "#1f4e79"
SCORE_COLOUR = "#2a7f62"
FLAG_COLOUR = "#d62728"
LABEL_COLOUR = "#ff9f1c"
MISSING_COLOUR = "#8c8c8c"
THRESHOLD_COLOUR = "#333333"
NORMAL_COLOUR = "#4c78a8"
PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
    "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
)  # fmt: skip

_RC = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "legend.fontsize": 8,
}


def house_style() -> AbstractContextManager:
    """Context in which the report's figures are drawn (font sizes, grid, spines)."""
    return matplotlib.rc_context(_RC)


def new_figure(width: float, height: float, ncols: int = 1) -> tuple[Figure, list[Axes]]:
    """Create a figure with ``ncols`` axes side by side; call inside :func:`house_style`."""
    figure = Figure(figsize=(width, height), dpi=DPI)
    return figure, list(figure.subplots(1, ncols, squeeze=False)[0])


def save_png(figure: Figure, path: str | Path, *, tight: bool = True) -> Path:
    """Write ``figure`` to ``path`` as a PNG, atomically, and release it.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The finished figure.
    path : str or pathlib.Path
        Target file; its folder is created if needed.
    tight : bool, default True
        Apply ``tight_layout`` first; time plots pass False to keep the fixed
        margins that align them with each other.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    try:
        if tight:
            figure.tight_layout()
        with atomic_file(path) as temporary:
            # The temporary name ends in .tmp, so the format must be explicit.
            figure.savefig(temporary, format="png", dpi=DPI, facecolor="white")
    finally:
        figure.clear()
    return path


def literal(value: object) -> str:
    """Text to draw exactly as written: paired ``$`` would otherwise start mathtext."""
    return str(value).replace("$", r"\$")


def single_value(frame: pd.DataFrame, column: str) -> str:
    """The one value of an id column (series, detector) as drawable text, or ''."""
    if column not in frame.columns:
        return ""
    values = frame[column].dropna().unique()
    return literal(values[0]) if len(values) == 1 else ""


def title_for(frame: pd.DataFrame, what: str) -> str:
    """A plot title: the frame's series and detector (when single), then ``what``."""
    names = [single_value(frame, "series_id"), single_value(frame, "detector"), literal(what)]
    return " · ".join(name for name in names if name)


def align_time_axes(figure: Figure) -> None:
    """Fixed margins, so stacked series and score plots share one time axis on the page."""
    figure.subplots_adjust(left=0.075, right=0.985, bottom=0.16, top=0.86)


def naive_utc(timestamps: pd.Series) -> np.ndarray:
    """Timestamps as naive UTC ``datetime64[ns]`` values, which matplotlib plots directly."""
    return timestamps.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()


def format_time_axis(ax: Axes) -> None:
    """Concise date ticks and a UTC axis label."""
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel("time (UTC)")


def median_step(times: np.ndarray) -> np.timedelta64:
    """Typical sampling interval, used to widen one-point windows so they stay visible."""
    if times.size < 2:
        return np.timedelta64(1, "m")
    return np.median(np.diff(times))
