"""Which sensor moved: per-column contributions of a joint detector's flagged events.

A joint multivariate detector (``pca``) splits each row's score into one
non-negative share per value column (``contributions(X)``; the shares sum to
the score). For each series the report shows those shares over time, stacked,
with the flagged events shaded and numbered, and a table of the top flagged
events (by peak score) naming the column with the largest share summed over
the event's rows: the sensor that moved against the others.

An event is a run of flagged rows; runs less than :data:`MERGE_GAP` rows
apart are one event, so an anomaly that dips below the threshold for a row
or two is not counted twice.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from anomalia.exceptions import DataError
from anomalia.report.figures import (
    LABEL_COLOUR,
    PALETTE,
    WIDE,
    align_time_axes,
    format_time_axis,
    house_style,
    literal,
    naive_utc,
    new_figure,
    save_png,
    title_for,
)
from anomalia.report.inputs import require_columns

#: Flagged runs closer than this many rows are one event.
MERGE_GAP = 12
#: Flagged events listed per series and detector.
TOP_EVENTS = 5

CONTRIBUTION_KEYS = ("series_id", "timestamp", "detector")


def flagged_events(flagged: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
    """Runs of flagged rows, merged across short gaps, strongest first.

    Parameters
    ----------
    flagged : ndarray of bool, shape (n,)
    scores : ndarray of shape (n,)

    Returns
    -------
    pandas.DataFrame
        ``first`` and ``last`` row (inclusive) and ``peak`` score of each
        event, sorted by ``peak`` descending.
    """
    rows = np.flatnonzero(flagged)
    if not len(rows):
        empty = {"first": np.array([], int), "last": np.array([], int), "peak": np.array([])}
        return pd.DataFrame(empty)
    breaks = np.flatnonzero(np.diff(rows) > MERGE_GAP)
    firsts = rows[np.concatenate([[0], breaks + 1])]
    lasts = rows[np.concatenate([breaks, [len(rows) - 1]])]
    peaks = [scores[first : last + 1].max() for first, last in zip(firsts, lasts, strict=True)]
    events = pd.DataFrame({"first": firsts, "last": lasts, "peak": peaks})
    return events.sort_values("peak", ascending=False, kind="stable", ignore_index=True)


def blame_table(
    rows: pd.DataFrame, shares: pd.DataFrame, columns: list[str], top: int = TOP_EVENTS
) -> pd.DataFrame:
    """The top flagged events of one series and detector and the column each is blamed on.

    Parameters
    ----------
    rows : pandas.DataFrame
        Scores of one series and detector, in time order.
    shares : pandas.DataFrame
        The same rows' contributions, one column per value column.
    columns : list of str
        The value columns.
    top : int
        Events listed.

    Returns
    -------
    pandas.DataFrame
        Indexed by event number (1 = highest peak): start, end, rows, peak
        score, the top column and its share of the event's summed score,
        and the runner-up column with its share.
    """
    events = flagged_events(rows["is_anomaly"].to_numpy(bool), rows["score"].to_numpy(float))
    matrix = shares[columns].to_numpy(float)
    times = rows["timestamp"].reset_index(drop=True)
    records = []
    for event in events.head(top).itertuples():
        summed = np.nan_to_num(matrix[event.first : event.last + 1]).sum(axis=0)
        total = summed.sum()
        order = np.argsort(-summed, kind="stable")
        share = summed / total if total > 0 else np.zeros_like(summed)
        runner_up = order[1] if len(order) > 1 else None
        records.append(
            {
                "start": times[event.first],
                "end": times[event.last],
                "rows": int(event.last - event.first + 1),
                "peak score": event.peak,
                "top column": columns[order[0]],
                "its share": float(share[order[0]]),
                "next column": None if runner_up is None else columns[runner_up],
                "next share": None if runner_up is None else float(share[runner_up]),
            }
        )
    table = pd.DataFrame(records)
    table.index = pd.RangeIndex(1, len(table) + 1, name="event")
    return table


def plot_contributions(
    rows: pd.DataFrame, shares: pd.DataFrame, columns: list[str], blamed: pd.DataFrame, path: Path
) -> Path:
    """Stacked per-column contributions over time, the listed events shaded and numbered."""
    times = naive_utc(rows["timestamp"].reset_index(drop=True))
    matrix = np.nan_to_num(shares[columns].to_numpy(float)).T
    with house_style():
        figure, (ax,) = new_figure(WIDE, 3.3)
        colours = [PALETTE[j % len(PALETTE)] for j in range(len(columns))]
        ax.stackplot(times, matrix, colors=colours, lw=0, labels=[literal(c) for c in columns])
        for number, event in blamed.iterrows():
            start, end = (np.datetime64(event[key].tz_convert(None)) for key in ("start", "end"))
            ax.axvspan(start, end, color=LABEL_COLOUR, alpha=0.3, lw=0, zorder=0)
            ax.annotate(str(number), (start, 1.0), xycoords=("data", "axes fraction"),
                        fontsize=8, ha="center", va="bottom")  # fmt: skip
        ax.set_yscale("symlog", linthresh=1.0)
        ax.set_ylabel("score, by column")
        ax.set_title(title_for(rows, "contributions per column"), loc="left")
        ax.legend(loc="upper left", ncols=min(len(columns), 6), fontsize=7)
        format_time_axis(ax)
        align_time_axes(figure)
        return save_png(figure, path, tight=False)


def check_contributions(frame: pd.DataFrame, value_columns: list[str]) -> pd.DataFrame:
    """Require the key columns and at least one of ``value_columns`` in a contributions frame."""
    require_columns(frame, CONTRIBUTION_KEYS, "contributions")
    if not any(column in frame.columns for column in value_columns):
        raise DataError(
            "`contributions` has none of the value columns "
            f"{', '.join(f'`{c}`' for c in value_columns)}; expected one column per value column"
        )
    return frame
