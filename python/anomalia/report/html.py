"""Write a standalone HTML report of detector scores, with PNG figures.

``index.html`` is one self-contained file: every figure is embedded in it.
The PNGs are also kept in ``figures/``, named by series and detector
(``series-<series>--<detector>.png``), to reuse on their own.

The report is built in a temporary folder beside ``out_dir`` and swapped in
only once complete (:func:`anomalia.atomic.atomic_directory`): a failure part
way leaves no half report and leaves an earlier report untouched.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from anomalia import __version__
from anomalia.atomic import atomic_directory
from anomalia.evaluation import TrainEnds, held_out
from anomalia.exceptions import DataError
from anomalia.report.contributions import (
    MERGE_GAP,
    blame_table,
    check_contributions,
    plot_contributions,
)
from anomalia.report.inputs import (
    EVENT_COLUMNS,
    OBSERVATION_KEYS,
    SCORE_COLUMNS,
    check_max_series,
    metrics_by_detector,
    normalise,
    require_columns,
    value_columns_of,
)
from anomalia.report.layout import figure, page, paragraph, table, text
from anomalia.report.plots import (
    plot_roc_pr,
    plot_score_boxes,
    plot_score_histogram,
    plot_scores,
    plot_series,
)

_KEYS = ["series_id", "timestamp"]
_TIME = "%Y-%m-%d %H:%M UTC"
_NO_LABELS = (
    "No labels: the observations have no <code>label</code> column, so ROC and "
    "precision–recall curves are left out and histograms do not split normal from anomalous."
)


def _detector_order(metrics: pd.DataFrame, scores: pd.DataFrame) -> list[str]:
    """Detectors in the metrics' row order, then any only found in the scores."""
    ordered = list(dict.fromkeys(metrics.index))
    return ordered + [d for d in scores["detector"].unique() if d not in set(ordered)]


def _summary_table(metrics: pd.DataFrame, scores: pd.DataFrame, detectors: list[str]) -> str:
    flagged = scores.groupby("detector")["is_anomaly"].agg(["sum", "mean"])
    integer_columns = [c for c in metrics.columns if pd.api.types.is_integer_dtype(metrics[c])]
    # Reindexing adds NaN rows for detectors without metrics; keep counts as integers.
    summary = metrics.reindex(detectors).astype(dict.fromkeys(integer_columns, "Int64"))
    summary["flagged points"] = flagged["sum"].reindex(detectors).astype("Int64")
    summary["flagged share"] = flagged["mean"].reindex(detectors)
    summary = summary.astype(object).where(summary.notna(), None)
    return table(summary)


def _curves_section(scores: pd.DataFrame, detectors: list[str], figures: Path) -> str:
    held_out = "held_out" in scores.columns
    if held_out:
        scores = scores[scores["held_out"]]
    curves = {
        detector: (rows["label"].to_numpy(dtype=float), rows["score"].to_numpy(dtype=float))
        for detector in detectors
        if not (rows := scores[scores["detector"] == detector]).empty
    }
    try:
        plot_roc_pr(curves, figures / "roc-pr.png")
    except DataError as error:
        return paragraph(text(f"No ROC/PR curves: {error}."), "note")
    return figure(
        "figures/roc-pr.png",
        "ROC and precision-recall curves of every detector",
        "Point-wise ROC and precision–recall curves over all series"
        + (", on rows the detectors were not trained on" if held_out else "")
        + "; AUC is the ROC area, AP the average precision.",
        root=figures.parent,
    )


def _events_table(events: pd.DataFrame | None, series_id: str) -> str:
    if events is None:
        return ""
    rows = events[events["series_id"] == series_id].sort_values("start")
    if rows.empty:
        return paragraph("No labelled events in this series.", "meta")
    shown = rows[["kind", "start", "end"]].reset_index(drop=True)
    if {"start_index", "end_index"} <= set(rows.columns):
        shown["points"] = (rows["end_index"] - rows["start_index"] + 1).to_numpy()
    shown.index = pd.RangeIndex(1, len(shown) + 1, name="#")
    return table(shown.astype(object))


def _slug(name: object) -> str:
    """A file-name-safe form of a series, detector or column name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)).strip("._")[:60] or "_"


def _figure_stem(context: dict, series_id: str, detector: str) -> str:
    """``<series>--<detector>``, made unique when two names share a slug."""
    stem = f"{_slug(series_id)}--{_slug(detector)}"
    used = context["stems"]
    if stem in used:
        stem = f"{stem}-{len(used)}"
    used.add(stem)
    return stem


def _detector_block(context: dict, series_id: str, rows: pd.DataFrame, first: bool) -> str:
    """Series plots (one per value column), score plot, histogram and box plot of one detector."""
    detector = rows["detector"].iloc[0]
    stem = _figure_stem(context, series_id, detector)
    figures, observations = context["figures"], context["observations"]
    root = figures.parent
    columns = context["value_columns"]
    series_figures = []
    for column in columns:
        name = f"series-{stem}.png" if len(columns) == 1 else f"series-{stem}--{_slug(column)}.png"
        plot_series(observations, rows, context["events"], figures / name, value_column=column)
        shown = "values" if len(columns) == 1 else f"`{column}`"
        series_figures.append(
            figure(
                f"figures/{name}",
                f"{shown} of {detector} on {series_id}, flagged points and labels",
                root=root,
            )
        )
    plot_scores(rows, figures / f"scores-{stem}.png")
    labels = rows["label"].to_numpy(dtype=float) if context["has_labels"] else None
    plot_score_histogram(rows, labels, figures / f"histogram-{stem}.png")
    plot_score_boxes(rows, labels, figures / f"boxplot-{stem}.png")
    flagged = int(rows["is_anomaly"].sum())
    stats = {
        "flagged points": flagged,
        "scored points": len(rows),
        "median threshold": float(np.nanmedian(rows["threshold"])),
    }
    if labels is not None:
        truth = labels == 1
        stats["flagged and labelled"] = int((truth & rows["is_anomaly"].to_numpy()).sum())
        stats["labelled anomalous"] = int(truth.sum())
    stats_table = table(pd.DataFrame({"value": pd.Series(stats, dtype=object)}).rename_axis(""))
    where = f"{detector} on {series_id}"
    return (
        f"<details{' open' if first else ''}><summary><h3>{text(detector)}</h3> "
        f'<span class="meta">— {flagged:,} flagged</span></summary>'
        + "".join(series_figures)
        + figure(f"figures/scores-{stem}.png", f"scores and threshold of {where}", root=root)
        + _contributions_block(context, series_id, rows, stem)
        + _explanation_block(context, series_id, detector)
        + '<div class="pair">'
        + figure(f"figures/histogram-{stem}.png", f"score histogram of {where}", root=root)
        + figure(f"figures/boxplot-{stem}.png", f"score box plot of {where}", root=root)
        + f"</div>{stats_table}</details>"
    )


def _contributions_block(context: dict, series_id: str, rows: pd.DataFrame, stem: str) -> str:
    """Which sensor moved: contributions over time and the top flagged events' columns."""
    contributions = context["contributions"]
    if contributions is None:
        return ""
    detector = rows["detector"].iloc[0]
    mine = contributions[
        (contributions["series_id"] == series_id) & (contributions["detector"] == detector)
    ]
    columns = [c for c in context["value_columns"] if c in mine.columns]
    if mine.empty or not columns:
        return ""
    rows = rows.sort_values("timestamp", kind="stable")
    shares = rows[["timestamp"]].merge(
        mine[["timestamp", *columns]].drop_duplicates("timestamp"), on="timestamp", how="left"
    )
    blamed = blame_table(rows, shares, columns)
    name = f"contributions-{stem}.png"
    plot_contributions(rows, shares, columns, blamed, context["figures"] / name)
    where = f"{detector} on {series_id}"
    caption = (
        "Each column's share of the score (they sum to it; symmetric log scale); "
        "the listed flagged events are shaded and numbered."
    )
    listed = (
        table(blamed.astype(object))
        if len(blamed)
        else paragraph("No flagged events to explain.", "meta")
    )
    return (
        "<h4>Which column moved</h4>"
        + figure(
            f"figures/{name}",
            f"per-column contributions of {where}",
            caption,
            root=context["figures"].parent,
        )  # fmt: skip
        + paragraph(
            text(
                f"Top flagged events by peak score (flagged runs under {MERGE_GAP} rows apart "
                "are one event); the top column has the largest share of the event's summed score."
            ),
            "meta",
        )
        + listed
    )


def _explanation_block(context: dict, series_id: str, detector: str) -> str:
    """What the detector chose for this series and why (``auto``'s pick and criterion)."""
    explanations = context["explanations"]
    if explanations is None:
        return ""
    mine = explanations[
        (explanations["series_id"] == series_id) & (explanations["detector"] == detector)
    ]
    if mine.empty:
        return ""
    fields = mine.drop(columns=["series_id", "detector"]).iloc[0].dropna()
    shown = pd.DataFrame({"value": fields.astype(object)}).rename_axis("")
    return "<h4>What it chose and why</h4>" + table(shown)


def _series_section(context: dict, series_index: int, series_id: str) -> str:
    observations = context["observations"]
    observations = observations[observations["series_id"] == series_id]
    events = context["events"]
    context = {
        **context,
        "observations": observations,
        "events": None if events is None else events[events["series_id"] == series_id],
    }
    missing = int(observations[context["value_columns"]].isna().sum().sum())
    first, last = (observations["timestamp"].agg(["min", "max"]).dt.strftime(_TIME)).tolist()
    facts = f"{len(observations):,} points from {first} to {last}; {missing:,} missing values"
    if context["has_labels"]:
        facts += f"; {int((observations['label'] == 1).sum()):,} labelled anomalous points"
    scores = context["scores"][context["scores"]["series_id"] == series_id]
    blocks = []
    for detector in context["detectors"]:
        rows = scores[scores["detector"] == detector]
        if not rows.empty:
            blocks.append(_detector_block(context, series_id, rows, not blocks))
    return (
        f'<section id="series-{series_index}"><h2>{text(series_id)}</h2>'
        + paragraph(text(facts), "meta")
        + _events_table(events, series_id)
        + ("".join(blocks) or paragraph("No scores for this series.", "meta"))
        + "</section>"
    )


def write_report(
    out_dir: str | Path,
    observations: pd.DataFrame,
    scores: pd.DataFrame,
    metrics: pd.DataFrame | None,
    events: pd.DataFrame | None = None,
    title: str = "anomalia report",
    *,
    max_series: int = 6,
    value_column: str | None = None,
    train_ends: TrainEnds | None = None,
    contributions: pd.DataFrame | None = None,
    explanations: pd.DataFrame | None = None,
) -> Path:
    """Write ``out_dir/index.html`` and ``out_dir/figures/*.png``, replacing ``out_dir`` whole.

    The page holds a metrics table per detector (floats to 3 decimals, plus
    the number of flagged points), ROC and precision-recall curves across
    detectors when labels exist, then for each of the first ``max_series``
    series (sorted by id) and each detector: the series with flagged points
    and labelled windows, the scores with the threshold, a score histogram
    and a score box plot (normal against anomalous points when labelled).
    Plain HTML with inline CSS; all text is escaped.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Report folder. It is replaced as a whole, atomically.
    observations : pandas.DataFrame
        Contract observations; a ``label`` column enables curves and the
        normal/anomalous histogram split.
    scores : pandas.DataFrame
        Contract scores of one or more detectors.
    metrics : pandas.DataFrame or None
        One row per detector (a ``detector`` column or the index).
    events : pandas.DataFrame or None
        Labelled events (``series_id``, ``kind``, ``start``, ``end``), shaded
        and listed; without them the runs of ``label == 1`` are shaded.
    title : str, default "anomalia report"
        Page title.
    max_series : int, default 6
        Most series given their own section (each costs four figures per detector).
    value_column : str or None
        Value column to plot; by default every float value column, one
        figure each, so an anomaly in any column can be seen.
    train_ends : mapping, optional
        ``{detector: {series_id: last training timestamp}}``; the ROC and PR
        curves then use only later rows, as ``anomalia evaluate --models`` does,
        so a detector is not judged on the data it learned from.
    contributions : pandas.DataFrame, optional
        Per-column contributions of joint detectors (``series_id``,
        ``timestamp``, ``detector`` and one column per value column, as
        :meth:`anomalia.modelset.ModelSet.contributions` gives with the
        detector added): each such detector's block then shows them over time
        and names the top column of its top flagged events
        (:mod:`anomalia.report.contributions`).
    explanations : pandas.DataFrame, optional
        What a detector chose per series and why (``series_id``, ``detector``
        and the fields of its ``explain()``, as
        :meth:`anomalia.modelset.ModelSet.explanations` gives with the
        detector added; ``auto``: the pick and each candidate's criterion),
        shown in that detector's block.

    Returns
    -------
    pathlib.Path
        Path of the written ``index.html``.

    Raises
    ------
    DataError
        If an input frame lacks a contract column or has bad timestamps.
    ConfigError
        If ``max_series`` is not an integer ≥ 1.
    """
    check_max_series(max_series)
    observations = normalise(
        require_columns(observations, OBSERVATION_KEYS, "observations"),
        "observations",
        ("timestamp",),
    )
    value_columns = value_columns_of(observations, value_column)
    scores = normalise(require_columns(scores, SCORE_COLUMNS, "scores"), "scores", ("timestamp",))
    if events is not None:
        events = normalise(
            require_columns(events, EVENT_COLUMNS, "events"), "events", ("start", "end")
        )
    if contributions is not None:
        contributions = normalise(
            check_contributions(contributions, value_columns), "contributions", ("timestamp",)
        )
    if explanations is not None:
        explanations = normalise(
            require_columns(explanations, ("series_id", "detector"), "explanations"),
            "explanations",
            (),
        )
    metrics = metrics_by_detector(metrics)
    has_labels = "label" in observations.columns and bool(observations["label"].notna().any())
    scores = scores.drop(columns="label", errors="ignore")
    if has_labels:
        scores = scores.merge(observations[[*_KEYS, "label"]], on=_KEYS, how="left")
    if train_ends:
        scores["held_out"] = held_out(scores, train_ends)
    detectors = _detector_order(metrics, scores)
    series_ids = sorted(observations["series_id"].unique())
    shown = series_ids[:max_series]
    context = {
        "observations": observations,
        "scores": scores,
        "events": events,
        "detectors": detectors,
        "value_columns": value_columns,
        "has_labels": has_labels,
        "contributions": contributions,
        "explanations": explanations,
        "stems": set(),
    }

    out_dir = Path(out_dir)
    with atomic_directory(out_dir) as build:
        context["figures"] = build / "figures"
        context["figures"].mkdir()
        generated = pd.Timestamp.now(tz="UTC").strftime(_TIME)
        overview = (
            f"{len(series_ids):,} series, {len(observations):,} points, "
            f"{len(detectors):,} detectors; generated {generated} by anomalia {__version__}"
        )
        parts = [f"<h1>{text(title)}</h1>", paragraph(text(overview), "meta")]
        parts.append("<h2>Detectors</h2>" + _summary_table(metrics, scores, detectors))
        if has_labels:
            parts.append(_curves_section(scores, detectors, context["figures"]))
        else:
            parts.append(paragraph(_NO_LABELS, "note"))
        links = "".join(
            f'<li><a href="#series-{i}">{text(series_id)}</a></li>'
            for i, series_id in enumerate(shown)
        )
        parts.append(
            "<h2>Series</h2>"
            + paragraph(f"Showing {len(shown)} of {len(series_ids)} series.", "meta")
            + f"<nav><ul>{links}</ul></nav>"
        )
        parts += [_series_section(context, i, series_id) for i, series_id in enumerate(shown)]
        (build / "index.html").write_text(page(title, "\n".join(parts)), encoding="utf-8")
    return out_dir / "index.html"
