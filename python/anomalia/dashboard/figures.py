"""The dashboard's Plotly figures, built from store frames (no Dash in here).

The live figure has two panels sharing the time axis: the values (one line
per value column, flagged points as red markers) above, the score and its
threshold below. Its trace order is fixed (:data:`TRACES`), so that new
points can be appended to each trace in place (``dash.Patch``) instead of
sending the whole figure again.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from anomalia.contract.schema import value_columns

#: Trace order of :func:`live_figure` after the value lines (one per value column).
TRACES = ("flags", "score", "threshold")
FLAG_COLOUR = "#d62728"


def _times(frame: pd.DataFrame) -> list:
    return list(pd.DatetimeIndex(frame["timestamp"]).tz_localize(None).to_pydatetime())


def _finite(values: pd.Series) -> list:
    """Floats for JSON, with None where plotly should leave a gap (inf thresholds of warm-up)."""
    array = values.to_numpy(np.float64)
    return [float(v) if np.isfinite(v) else None for v in array]


def flagged_points(observations: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """Timestamps and first-column values of the flagged score rows that have an observation."""
    flagged = scores.loc[scores["is_anomaly"].astype(bool), ["timestamp"]]
    columns = value_columns(list(observations.columns))
    if flagged.empty or not columns:
        return pd.DataFrame(
            {"timestamp": pd.Series(dtype=observations["timestamp"].dtype), "y": []}
        )
    points = flagged.merge(observations[["timestamp", columns[0]]], on="timestamp")
    return points.rename(columns={columns[0]: "y"})


def live_figure(observations: pd.DataFrame, scores: pd.DataFrame) -> go.Figure:
    """The figure of one series and one detector.

    Parameters
    ----------
    observations : DataFrame
        ``timestamp`` and the value columns of one series.
    scores : DataFrame
        ``timestamp``, ``score``, ``threshold``, ``is_anomaly`` of one detector on it.
    """
    figure = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06, row_heights=[0.6, 0.4]
    )
    for column in value_columns(list(observations.columns)) or ["value"]:
        values = observations[column] if column in observations else pd.Series(dtype=float)
        figure.add_trace(
            go.Scatter(x=_times(observations), y=_finite(values), name=column, mode="lines"),
            row=1,
            col=1,
        )
    flags = flagged_points(observations, scores)
    figure.add_trace(
        go.Scatter(
            x=_times(flags),
            y=_finite(flags["y"]),
            name="flagged",
            mode="markers",
            marker={"color": FLAG_COLOUR, "size": 9, "symbol": "x"},
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Scatter(x=_times(scores), y=_finite(scores["score"]), name="score", mode="lines"),
        row=2,
        col=1,
    )
    figure.add_trace(
        go.Scatter(
            x=_times(scores),
            y=_finite(scores["threshold"]),
            name="threshold",
            mode="lines",
            line={"dash": "dash", "color": "#7f7f7f"},
        ),
        row=2,
        col=1,
    )
    figure.update_layout(
        margin={"l": 50, "r": 20, "t": 30, "b": 30},
        legend={"orientation": "h", "y": 1.06},
        uirevision="live",  # keep the user's zoom while points arrive
    )
    figure.update_yaxes(title_text="value", row=1, col=1)
    figure.update_yaxes(title_text="score", row=2, col=1)
    return figure


def extension(
    observations: pd.DataFrame, scores: pd.DataFrame, flags: pd.DataFrame, n_columns: int
) -> list[tuple[int, list, list]]:
    """(trace index, new x, new y) to append to :func:`live_figure`'s traces."""
    parts = []
    for index, column in enumerate(value_columns(list(observations.columns))[:n_columns]):
        parts.append((index, _times(observations), _finite(observations[column])))
    parts.append((n_columns, _times(flags), _finite(flags["y"])))
    parts.append((n_columns + 1, _times(scores), _finite(scores["score"])))
    parts.append((n_columns + 2, _times(scores), _finite(scores["threshold"])))
    return [part for part in parts if part[1]]


def context_figure(
    context: pd.DataFrame, onset: pd.Timestamp, expected: pd.DataFrame | None
) -> go.Figure:
    """Values before and after an alert's onset; the model's expected values where it has them."""
    figure = go.Figure()
    for column in value_columns(list(context.columns)):
        figure.add_trace(
            go.Scatter(x=_times(context), y=_finite(context[column]), name=f"{column} (actual)")
        )
        if expected is not None and column in expected:
            figure.add_trace(
                go.Scatter(
                    x=_times(context),
                    y=_finite(expected[column]),
                    name=f"{column} (expected)",
                    line={"dash": "dot"},
                )
            )
    onset_time = pd.Timestamp(onset).tz_localize(None) if pd.Timestamp(onset).tz else onset
    figure.add_vline(x=onset_time, line={"color": FLAG_COLOUR, "dash": "dash"})
    figure.update_layout(
        title="context of the alert" + (": actual and expected" if expected is not None else ""),
        margin={"l": 50, "r": 20, "t": 40, "b": 30},
        legend={"orientation": "h", "y": -0.15},
    )
    return figure


def contribution_figure(contributions: pd.Series | None) -> go.Figure:
    """Each value column's share of the score at the onset (multivariate detectors)."""
    figure = go.Figure()
    if contributions is not None:
        figure.add_trace(
            go.Bar(x=list(contributions.index), y=_finite(contributions), marker_color=FLAG_COLOUR)
        )
    figure.update_layout(
        title="contribution of each column to the score"
        if contributions is not None
        else "no per-column contributions for this detector",
        margin={"l": 50, "r": 20, "t": 40, "b": 30},
    )
    return figure


def message_figure(message: str) -> go.Figure:
    """A figure with no axes that only says ``message`` (nothing to plot yet)."""
    figure = go.Figure()
    figure.add_annotation(text=message, showarrow=False, font={"size": 14, "color": "#777"})
    figure.update_layout(
        xaxis={"visible": False}, yaxis={"visible": False}, margin={"l": 10, "r": 10, "t": 10}
    )
    return figure
