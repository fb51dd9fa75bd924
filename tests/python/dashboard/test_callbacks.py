"""The dashboard's callbacks over HTTP (Flask's test client), on both store backends.

The browser test runs on DuckDB; these requests are what the page sends, so
they check every callback against InfluxDB too, in a fraction of the time.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from anomalia.dashboard import create_app
from anomalia.store import alert_id, open_store

from .conftest import points


def call(client, output: str, inputs: dict[str, Any], state: dict[str, Any] | None = None,
         changed: str | None = None) -> dict:  # fmt: skip
    """POST one callback (named by the start of its outputs) as the page does; returns
    ``{component id: {property: value}}``."""

    def props(values: dict[str, Any]) -> list[dict]:
        return [
            {"id": key.rsplit(".", 1)[0], "property": key.rsplit(".", 1)[1], "value": value}
            for key, value in values.items()
        ]

    # The page names a callback by its outputs as /_dash-dependencies lists them
    # (an output that may be written twice carries a suffix).
    dependencies = client.get("/_dash-dependencies").get_json()
    output = next(d["output"] for d in dependencies if d["output"].startswith(output))
    outputs = output.strip(".").split("...")
    body = {
        "output": output,
        "outputs": [
            {"id": name.rsplit(".", 1)[0], "property": name.rsplit(".", 1)[1]} for name in outputs
        ]
        if output.startswith("..")
        else {"id": output.rsplit(".", 1)[0], "property": output.rsplit(".", 1)[1]},
        "inputs": props(inputs),
        "state": props(state or {}),
        "changedPropIds": [changed or next(iter(inputs))],
    }
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code in (200, 204), answer.get_data(as_text=True)[-2000:]
    return {} if answer.status_code == 204 else answer.get_json()["response"]


LIVE = "..series-graph.figure...cursor.data...live-status.children.."


@pytest.fixture
def scored(store_url: str) -> str:
    """A store with 100 points of s1, their scores (the last flagged) and its alert."""
    frame = points(0, 100)
    scores = frame[["series_id", "timestamp"]].assign(
        detector="zscore", score=1.0, threshold=3.0, is_anomaly=False, status="ok"
    )
    scores.loc[99, ["score", "is_anomaly"]] = (5.0, True)
    onset = frame["timestamp"].iloc[99]
    with open_store(store_url) as store:
        store.write_observations(frame)
        store.write_scores(scores)
        store.write_alerts(
            pd.DataFrame(
                {
                    "alert_id": [alert_id("zscore", "s1", onset)],
                    "series_id": ["s1"],
                    "timestamp": [onset],
                    "detector": ["zscore"],
                    "score": [5.0],
                    "threshold": [3.0],
                    "delivered": [False],
                }
            )
        )
    return store_url


def test_every_callback_reads_and_writes_the_store(scored):
    client = create_app(scored).server.test_client()
    picked = call(
        client,
        "..series-picker.options...series-picker.value...detector-picker.options"
        "...detector-picker.value..",
        {"slow-interval.n_intervals": 1},
        {"series-picker.value": None, "detector-picker.value": None},
    )
    assert picked["series-picker"] == {"options": ["s1"], "value": "s1"}
    assert picked["detector-picker"] == {"options": ["zscore"], "value": "zscore"}

    pickers = {"series-picker.value": "s1", "detector-picker.value": "zscore",
               "range-picker.value": "all"}  # fmt: skip
    drawn = call(client, LIVE, {"live-interval.n_intervals": 1, **pickers},
                 {"cursor.data": None}, changed="series-picker.value")  # fmt: skip
    figure, cursor = drawn["series-graph"]["figure"], drawn["cursor"]["data"]
    assert [len(trace["x"]) for trace in figure["data"]] == [100, 1, 100, 100]
    assert cursor["n_flags"] == 1

    # Nothing new: nothing sent. A new point: only it is sent, as a patch.
    assert call(client, LIVE, {"live-interval.n_intervals": 2, **pickers},
                {"cursor.data": cursor}) == {}  # fmt: skip
    with open_store(scored) as store:
        store.write_observations(points(100, 1))
    grown = call(client, LIVE, {"live-interval.n_intervals": 3, **pickers},
                 {"cursor.data": cursor})  # fmt: skip
    assert grown["cursor"]["data"]["n_points"] == 101
    assert "101 points shown" in grown["live-status"]["children"]
    assert "__dash_patch_update" in str(grown["series-graph"]["figure"])

    alerts = call(client, "..alert-picker.options...alerts-data.data..",
                  {"alerts-interval.n_intervals": 1})  # fmt: skip
    (option,) = alerts["alert-picker"]["options"]
    alerts_data = alerts["alerts-data"]["data"]
    explained = call(
        client,
        "..explain-graph.figure...contribution-graph.figure",
        {"alert-picker.value": option["value"]},
        {"alerts-data.data": alerts_data},
    )
    assert explained["explain-note"]["children"].startswith("zscore on s1, onset")
    assert explained["series-picker"]["value"] == "s1"  # the live figure follows the alert
    # The onset (row 99 of 101) with the 60 rows before it and the one after.
    assert len(explained["explain-graph"]["figure"]["data"][0]["x"]) == 62

    answer = call(
        client,
        "feedback-status.children",
        {"btn-true-anomaly.n_clicks": 0, "btn-false-alarm.n_clicks": 1},
        {"alert-picker.value": option["value"], "alerts-data.data": alerts_data},
        changed="btn-false-alarm.n_clicks",
    )
    assert "is a false alarm" in str(answer)
    call(client, "inject-status.children", {"btn-inject.n_clicks": 1},
         {"inject-kind.value": "level_shift", "series-picker.value": "s1"})  # fmt: skip
    with open_store(scored) as store:
        labels = store.read_labels()
        injections = store.read_injections()
    assert labels[["alert_id", "label", "source"]].values.tolist() == [
        [option["value"], 0, "dashboard"]
    ]
    assert injections[["series_id", "kind"]].values.tolist() == [["s1", "level_shift"]]


def test_an_alert_whose_points_were_pruned_is_explained_by_a_note(scored):
    with open_store(scored) as store:
        store.prune(pd.Timestamp.now(tz="UTC") + pd.Timedelta("1d"))
    client = create_app(scored).server.test_client()
    alerts = call(client, "..alert-picker.options...alerts-data.data..",
                  {"alerts-interval.n_intervals": 1})  # fmt: skip
    (option,) = alerts["alert-picker"]["options"]
    explained = call(
        client,
        "..explain-graph.figure...contribution-graph.figure",
        {"alert-picker.value": option["value"]},
        {"alerts-data.data": alerts["alerts-data"]["data"]},
    )
    assert "no observation at or before the alert's onset" in explained["explain-note"]["children"]
    assert "pruned" in explained["explain-note"]["children"]
    assert not any(trace.get("x") for trace in explained["explain-graph"]["figure"]["data"])
