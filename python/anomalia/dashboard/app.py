"""``create_app``: the Dash app over one store, with its callbacks.

Every callback opens the store for its own work and closes it (several
processes share a DuckDB file; see :mod:`anomalia.store`). The live figure
is drawn whole when a picker changes and then grown in place: each tick of
``live-interval`` reads only the rows after the last ones shown
(``read_observations(after=...)``) and appends them with ``dash.Patch``.
The browser keeps the cursor (series, detector, last timestamps shown) in
``dcc.Store``; the server keeps nothing between requests.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from dash import Dash, Input, Output, Patch, State, ctx, no_update

from anomalia.dashboard import figures
from anomalia.dashboard.explain import AFTER, BEFORE, HISTORY, explain, model_folder
from anomalia.dashboard.layout import ALERTS_SHOWN, RANGES, layout
from anomalia.exceptions import DataError

log = logging.getLogger(__name__)

SHOWN = {"flex": "1 1 300px", "height": "340px"}
HIDDEN = {**SHOWN, "display": "none"}


def _stamp(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).isoformat()


def _window_start(store, series_id: str, span: str | None) -> pd.Timestamp | None:
    """Start of the picked range, counted back from the series' last point (not the clock)."""
    if span is None:
        return None
    last = store.latest(series_id).get(series_id)
    return None if last is None else pd.Timestamp(last) - pd.Timedelta(span)


def _alert_label(alert: dict, verdict: str) -> str:
    when = pd.Timestamp(alert["timestamp"]).strftime("%Y-%m-%d %H:%M:%S")
    text = f"{when}  {alert['series_id']}  {alert['detector']}  score {alert['score']:.3g}"
    return f"{text}  [{verdict}]" if verdict else text


def create_app(store_url: str, models: str | Path | None = None, refresh_ms: int = 1000) -> Dash:
    """Build the dashboard.

    Parameters
    ----------
    store_url : str
        Store URL for :func:`anomalia.store.open_store`.
    models : path, optional
        Model root written by ``anomalia train``; the explain view loads the
        model set of the alert's detector from ``<models>/<detector>``.
    refresh_ms : int, default 1000
        How often the page polls the store.
    """
    from anomalia.store import open_store

    app = Dash(__name__, title="anomalia live", update_title=None)
    app.layout = layout(refresh_ms)

    # The store is opened once, here, so that a bad URL fails at start (each DuckDB
    # call opens its own short-lived connection). One request uses it at a time:
    # DuckDB connections opened by several threads of a process at once lose
    # their pandas scans ("pandas_scan does not exist"), and Dash serves each
    # request in a thread of its own.
    shared = open_store(store_url)
    one_at_a_time = threading.Lock()

    @contextlib.contextmanager
    def store() -> Iterator[Any]:
        with one_at_a_time:
            yield shared

    @functools.lru_cache(maxsize=4)
    def model_set(detector: str):
        from anomalia.modelset import ModelSet

        folder = model_folder(models, detector)
        return None if folder is None else ModelSet.load(folder)

    @app.callback(
        Output("series-picker", "options"),
        Output("series-picker", "value"),
        Output("detector-picker", "options"),
        Output("detector-picker", "value"),
        Input("slow-interval", "n_intervals"),
        State("series-picker", "value"),
        State("detector-picker", "value"),
        running=[(Output("slow-interval", "disabled"), True, False)],
    )
    def pickers(_tick, series_id, detector):
        with store() as opened:
            all_series, detectors = opened.series(), opened.detectors()
        # Unchanged values are not sent again: that would redraw the live figure.
        picked_series = no_update
        if series_id not in all_series:
            picked_series = all_series[0] if all_series else None
        picked_detector = no_update
        if detector not in detectors:
            picked_detector = detectors[0] if detectors else None
        return all_series, picked_series, detectors, picked_detector

    @app.callback(
        Output("series-graph", "figure"),
        Output("cursor", "data"),
        Output("live-status", "children"),
        Input("live-interval", "n_intervals"),
        Input("series-picker", "value"),
        Input("detector-picker", "value"),
        Input("range-picker", "value"),
        State("cursor", "data"),
        # No tick while a request runs: Dash drops the answer of a request that a newer
        # one overtook, so on a slow machine ticks faster than answers would show nothing.
        running=[(Output("live-interval", "disabled"), True, False)],
    )
    def live(_tick, series_id, detector, span, cursor):
        if series_id is None:
            waiting = figures.message_figure("no series in the store yet")
            return waiting, None, "no series in the store yet"
        picked = {"series": series_id, "detector": detector, "range": span}
        fresh = cursor is None or any(cursor.get(key) != value for key, value in picked.items())
        with store() as opened:
            if fresh:
                start = _window_start(opened, series_id, RANGES.get(span))
                observations = opened.read_observations(series_id, start=start)
                scores = _scores(opened, series_id, detector, start)
                figure = figures.live_figure(observations, scores)
                cursor = _advance(picked, observations, scores)
                cursor["n_columns"] = len(figure.data) - len(figures.TRACES)
                cursor["n_flags"] = len(figures.flagged_points(observations, scores))
                return figure, cursor, _status(cursor)
            # One read brings the new points and those the new scores are for (scores lag).
            shown, since = cursor["last_observation"], cursor["last_score"]
            start = pd.Timestamp(since) if since else None
            recent = opened.read_observations(series_id, start=start or _at(shown))
            scores = _scores(opened, series_id, detector, start)
        if since:
            scores = scores[scores["timestamp"] > pd.Timestamp(since)]
        observations = recent[recent["timestamp"] > pd.Timestamp(shown)] if shown else recent
        if observations.empty and scores.empty:
            return no_update, no_update, no_update
        flags = figures.flagged_points(recent, scores)
        patch = Patch()
        for trace, x, y in figures.extension(observations, scores, flags, cursor["n_columns"]):
            patch["data"][trace]["x"].extend(x)
            patch["data"][trace]["y"].extend(y)
        cursor = _advance(cursor, observations, scores)
        cursor["n_flags"] += len(flags)
        return patch, cursor, _status(cursor)

    @app.callback(
        Output("alert-picker", "options"),
        Output("alerts-data", "data"),
        Input("alerts-interval", "n_intervals"),
        running=[(Output("alerts-interval", "disabled"), True, False)],
    )
    def alerts(_tick):
        with store() as opened:
            found = opened.read_alerts()
            labels = opened.read_labels()
        if found.empty:
            return [], {}
        newest = found.sort_values("timestamp", ascending=False).head(ALERTS_SHOWN)
        verdicts = {}
        if not labels.empty:
            for alert_id, label in zip(labels["alert_id"], labels["label"], strict=True):
                verdicts[alert_id] = "true anomaly" if int(label) == 1 else "false alarm"
        records = newest.to_dict("records")
        options = [
            {
                "label": _alert_label(alert, verdicts.get(alert["alert_id"], "")),
                "value": alert["alert_id"],
            }
            for alert in records
        ]
        data = {
            alert["alert_id"]: {
                "series_id": alert["series_id"],
                "detector": alert["detector"],
                "timestamp": _stamp(alert["timestamp"]),
            }
            for alert in records
        }
        return options, data

    @app.callback(
        Output("explain-graph", "figure"),
        Output("contribution-graph", "figure"),
        Output("contribution-graph", "style"),
        Output("explain-note", "children"),
        # The live figure follows: it shows the picked alert's series and detector.
        Output("series-picker", "value", allow_duplicate=True),
        Output("detector-picker", "value", allow_duplicate=True),
        Input("alert-picker", "value"),
        State("alerts-data", "data"),
        prevent_initial_call=True,
    )
    def explain_alert(alert_id, alerts_data):
        if not alert_id or not alerts_data or alert_id not in alerts_data:
            return no_update, no_update, no_update, no_update, no_update, no_update
        alert = alerts_data[alert_id]
        onset = pd.Timestamp(alert["timestamp"])
        with store() as opened:
            observations = _around(opened, alert["series_id"], onset)
        note = f"{alert['detector']} on {alert['series_id']}, onset {onset}"
        try:
            found = explain(observations, onset, model_set(alert["detector"]), alert["series_id"])
        except DataError as error:  # e.g. its points were pruned (`--retention`)
            empty = figures.context_figure(observations.iloc[:0], onset, None)
            return empty, no_update, HIDDEN, f"{note}: {error}", no_update, no_update
        if found.note:
            note = f"{note} ({found.note})"
        return (
            figures.context_figure(found.context, onset, found.expected),
            figures.contribution_figure(found.contributions),
            HIDDEN if found.contributions is None else SHOWN,
            note,
            alert["series_id"],
            alert["detector"],
        )

    @app.callback(
        Output("feedback-status", "children"),
        Input("btn-true-anomaly", "n_clicks"),
        Input("btn-false-alarm", "n_clicks"),
        State("alert-picker", "value"),
        State("alerts-data", "data"),
        prevent_initial_call=True,
    )
    def feedback(_true, _false, alert_id, alerts_data):
        if not alert_id or not alerts_data or alert_id not in alerts_data:
            return "pick an alert first"
        alert = alerts_data[alert_id]
        label = 1 if ctx.triggered_id == "btn-true-anomaly" else 0
        row = pd.DataFrame(
            {
                "series_id": [alert["series_id"]],
                "timestamp": [pd.Timestamp(alert["timestamp"])],
                "label": [label],
                "alert_id": [alert_id],
                "source": ["dashboard"],
            }
        )
        with store() as opened:
            opened.write_labels(row)
        verdict = "a true anomaly" if label else "a false alarm"
        return f"stored: {alert_id} is {verdict}"

    @app.callback(
        Output("inject-status", "children"),
        Input("btn-inject", "n_clicks"),
        State("inject-kind", "value"),
        State("series-picker", "value"),
        prevent_initial_call=True,
    )
    def inject(_clicks, kind, series_id):
        if series_id is None:
            return "no series to inject into"
        with store() as opened:
            opened.request_injection(series_id, kind)
        return f"asked the simulator for a {kind} in {series_id}"

    return app


def _around(opened, series_id: str, onset: pd.Timestamp) -> pd.DataFrame:
    """The rows the explain view needs around ``onset``, not the whole series.

    The series' step is read off the hour around the onset; without two rows
    there (a slow series), the whole series is read.
    """
    hour = pd.Timedelta("1h")
    near = opened.read_observations(series_id, start=onset - hour, end=onset + hour)
    steps = near["timestamp"].diff().dropna()
    if steps.empty:
        return opened.read_observations(series_id)
    step = steps.median()
    return opened.read_observations(
        series_id, start=onset - (BEFORE + HISTORY) * step, end=onset + (AFTER + 1) * step
    )


def _at(stamp: str | None) -> pd.Timestamp | None:
    return pd.Timestamp(stamp) if stamp else None


def _scores(opened, series_id: str, detector: str | None, start) -> pd.DataFrame:
    if detector is None:
        return _empty_scores()
    return opened.read_scores(series_id, detector, start=start)


def _advance(cursor: dict, observations: pd.DataFrame, scores: pd.DataFrame) -> dict:
    """The cursor moved past the rows just shown."""
    cursor = dict(cursor)
    if not observations.empty:
        cursor["last_observation"] = _stamp(observations["timestamp"].max())
    cursor.setdefault("last_observation", None)
    if not scores.empty:
        cursor["last_score"] = _stamp(scores["timestamp"].max())
    cursor.setdefault("last_score", None)
    cursor["n_points"] = cursor.get("n_points", 0) + len(observations)
    return cursor


def _status(cursor: dict) -> str:
    last = cursor["last_observation"] or "none yet"
    detector = cursor["detector"] or "no detector"
    return (
        f"{cursor['series']}: {cursor['n_points']} points shown, last {last}; "
        f"{cursor['n_flags']} flagged by {detector}"
    )


def _empty_scores() -> pd.DataFrame:
    """Scores of no detector: the live figure then shows the values alone."""
    return pd.DataFrame(
        {
            "timestamp": pd.Series(dtype="datetime64[ns, UTC]"),
            "score": pd.Series(dtype=float),
            "threshold": pd.Series(dtype=float),
            "is_anomaly": pd.Series(dtype=bool),
        }
    )
