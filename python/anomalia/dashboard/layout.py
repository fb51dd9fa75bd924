"""The dashboard page. Element ids are stable: the browser test and users' scripts find them.

- ``series-picker``, ``detector-picker``, ``range-picker``: what the live figure shows
- ``series-graph``: values with flagged points above, score and threshold below
- ``live-status``: points and flags shown, last timestamp
- ``alert-picker``: the alerts, newest first; picking one opens its explanation
- ``explain-graph``, ``contribution-graph``, ``explain-note``: the explain view
- ``btn-true-anomaly``, ``btn-false-alarm``, ``feedback-status``: feedback on the picked alert
- ``inject-kind``, ``btn-inject``, ``inject-status``: ask the simulator for an anomaly
"""

from __future__ import annotations

from dash import dcc, html

from anomalia.dashboard.figures import message_figure

#: Time ranges of ``range-picker``: label and span (None: everything stored).
RANGES = {"15 min": "15min", "1 h": "1h", "6 h": "6h", "1 day": "1D", "all": None}
INJECTIONS = ["spike", "level_shift", "variance_burst", "flatline"]
ALERTS_SHOWN = 50
#: ``slow-interval`` (pickers) and ``alerts-interval`` tick every SLOW ticks of the live one.
SLOW = 2

_PANEL = {"border": "1px solid #ddd", "borderRadius": "6px", "padding": "10px", "margin": "6px"}
_ROW = {"display": "flex", "gap": "12px", "alignItems": "center", "flexWrap": "wrap"}


def layout(refresh_ms: int) -> html.Div:
    """The page: pickers, live figure, alerts, explain view, feedback and inject controls."""
    pickers = html.Div(
        [
            html.Label("series"),
            dcc.Dropdown(id="series-picker", clearable=False, style={"width": "220px"}),
            html.Label("detector"),
            dcc.Dropdown(id="detector-picker", clearable=False, style={"width": "180px"}),
            html.Label("range"),
            dcc.RadioItems(
                id="range-picker",
                options=[{"label": label, "value": label} for label in RANGES],
                value="1 day",
                inline=True,
            ),
        ],
        style=_ROW,
    )
    inject = html.Div(
        [
            html.Label("inject into this series"),
            dcc.Dropdown(
                id="inject-kind",
                options=INJECTIONS,
                value="spike",
                clearable=False,
                style={"width": "160px"},
            ),
            html.Button("inject", id="btn-inject", n_clicks=0),
            html.Span(id="inject-status"),
        ],
        style=_ROW,
    )
    live = html.Div(
        [
            pickers,
            dcc.Graph(id="series-graph", style={"height": "460px"}),
            html.Div(id="live-status", style={"color": "#555"}),
            inject,
        ],
        style={**_PANEL, "flex": "3 1 640px"},
    )
    alerts = html.Div(
        [
            html.H3("alerts, newest first", style={"marginTop": 0}),
            dcc.RadioItems(
                id="alert-picker",
                options=[],
                labelStyle={"display": "block", "padding": "2px 0"},
                style={"maxHeight": "420px", "overflowY": "auto", "fontSize": "13px"},
            ),
        ],
        style={**_PANEL, "flex": "1 1 320px"},
    )
    explain = html.Div(
        [
            html.H3("explain the picked alert", style={"marginTop": 0}),
            html.Div(id="explain-note", style={"color": "#555"}),
            html.Div(
                [
                    dcc.Graph(
                        id="explain-graph",
                        figure=message_figure("pick an alert in the list to see what drove it"),
                        style={"flex": "2 1 480px", "height": "340px"},
                    ),
                    dcc.Graph(id="contribution-graph", style={"display": "none"}),
                ],
                style=_ROW,
            ),
            html.Div(
                [
                    html.Button("true anomaly", id="btn-true-anomaly", n_clicks=0),
                    html.Button("false alarm", id="btn-false-alarm", n_clicks=0),
                    html.Span(id="feedback-status"),
                ],
                style=_ROW,
            ),
        ],
        style=_PANEL,
    )
    return html.Div(
        [
            html.H2("anomalia live", style={"margin": "6px"}),
            html.Div([live, alerts], style={"display": "flex", "flexWrap": "wrap"}),
            explain,
            dcc.Interval(id="live-interval", interval=refresh_ms),
            # Series, detectors and alerts change less often than points arrive.
            dcc.Interval(id="slow-interval", interval=SLOW * refresh_ms),
            dcc.Interval(id="alerts-interval", interval=SLOW * refresh_ms),
            dcc.Store(id="cursor"),
            dcc.Store(id="alerts-data"),
        ],
        style={"fontFamily": "sans-serif", "fontSize": "14px"},
    )
