"""The evaluation report: every detector side by side on quality and runtime.

One page with a table (NAB score under each profile, VUS-PR, event-wise F1,
point-adjusted F1 marked as optimistic, detection delay, alerts per day, fit
and score seconds) and bar charts of the same figures. Built in a temporary
folder and swapped in whole.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from anomalia import __version__
from anomalia.atomic import atomic_directory
from anomalia.exceptions import DataError
from anomalia.report.comparison import plot_metric_comparison, plot_runtimes
from anomalia.report.layout import figure, page, paragraph, table, text

#: Marker on the point-adjusted column, and the warning that explains it.
OPTIMISTIC = "optimistic"
OPTIMISTIC_NOTE = (
    "<strong>Point-adjusted F1 is optimistic.</strong> Point adjustment counts a whole "
    "labelled event as detected when any one of its points is flagged, so even random "
    "scores reach a high point-adjusted F1 on data with long events (Kim et al., AAAI "
    "2022). It is shown only for comparison with published figures; judge detectors by "
    "the NAB score, VUS-PR and event-wise F1."
)

#: Metric column to column title, in table order.
COLUMNS: dict[str, str] = {
    "nab_standard": "NAB standard",
    "nab_reward_low_fp_rate": "NAB low FP",
    "nab_reward_low_fn_rate": "NAB low FN",
    "vus_pr": "VUS-PR",
    "event_f1": "event-wise F1",
    "point_adjusted_f1": f"point-adjusted F1 ({OPTIMISTIC})",
    "mean_delay": "mean delay (points)",
    "alerts_per_day": "alerts per day",
    "fit_seconds": "fit s",
    "score_seconds": "score s",
}

_PANELS = {key: COLUMNS[key] for key in
           ("nab_standard", "vus_pr", "event_f1", "point_adjusted_f1", "mean_delay")}  # fmt: skip

_EXPLAINED = (
    "All figures are on rows the detectors did not train on (when the model folder is "
    "known). NAB: normalised NAB score, 0 for a detector that never alarms and 100 for a "
    "perfect one, one threshold per profile over all series. VUS-PR: volume under the "
    "range precision-recall surface (threshold-free). Event-wise F1: precision over "
    "flagged events, recall over labelled events. Mean delay: points from an event's "
    "start to its first flag, over detected events. Alerts per day: onsets of runs of "
    "flagged points per day of held-out data, per series. Runtime: wall seconds to fit "
    "(training) and to score (detection) all series."
)


def scoreboard_table(
    metrics: pd.DataFrame,
    alerts: pd.DataFrame | None = None,
    timings: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per detector with the report's columns (titles as in :data:`COLUMNS`).

    Raises
    ------
    DataError
        If ``metrics`` has no ``detector`` column or a row repeats a detector.
    """
    if "detector" not in metrics.columns:
        raise DataError("`metrics` needs a `detector` column (the CSV of `anomalia evaluate`)")
    if metrics["detector"].duplicated().any():
        raise DataError("`metrics` must hold one row per detector")
    board = metrics.copy()
    for extra in (alerts, timings):
        if extra is not None:
            board = board.drop(columns=[c for c in extra.columns if c != "detector"],
                               errors="ignore").merge(extra, on="detector", how="left")  # fmt: skip
    shown = [column for column in COLUMNS if column in board.columns]
    board = board.set_index(board["detector"].astype(str).rename("detector"))[shown]
    return board.rename(columns=COLUMNS)


def write_scoreboard(
    out_dir: str | Path,
    metrics: pd.DataFrame,
    *,
    alerts: pd.DataFrame | None = None,
    timings: pd.DataFrame | None = None,
    title: str = "anomalia evaluation",
) -> Path:
    """Write ``out_dir/index.html`` and its figures, replacing ``out_dir`` whole.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Report folder.
    metrics : DataFrame
        One row per detector, as written by ``anomalia evaluate``.
    alerts : DataFrame, optional
        ``detector``, ``alerts_per_day`` (:func:`anomalia.alerts.held_out_alerts`).
    timings : DataFrame, optional
        ``detector``, ``fit_seconds``, ``score_seconds`` (:mod:`anomalia.timings`).
    title : str
        Page title.

    Returns
    -------
    pathlib.Path
        The written ``index.html``.
    """
    board = scoreboard_table(metrics, alerts, timings)
    out_dir = Path(out_dir)
    with atomic_directory(out_dir) as build:
        figures = build / "figures"
        figures.mkdir()
        generated = pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M UTC")
        parts = [
            f"<h1>{text(title)}</h1>",
            paragraph(
                text(f"{len(board)} detectors; generated {generated} by anomalia {__version__}"),
                "meta",
            ),
            "<h2>Detectors side by side</h2>",
            table(board),
            paragraph(OPTIMISTIC_NOTE, "note"),
            paragraph(text(_EXPLAINED), "meta"),
        ]
        plot_metric_comparison(metrics, _PANELS, figures / "quality.png")
        parts.append(figure("figures/quality.png", "quality metrics of every detector", root=build))
        if timings is not None and {"fit_seconds", "score_seconds"} <= set(timings.columns):
            plot_runtimes(timings, figures / "runtime.png")
            parts.append(
                figure("figures/runtime.png", "fit and score seconds per detector", root=build)
            )
        (build / "index.html").write_text(page(title, "\n".join(parts)), encoding="utf-8")
    return out_dir / "index.html"
