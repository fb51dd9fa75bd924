"""Alert onsets across cycles, de-duplication and webhook delivery to a real receiver."""

from __future__ import annotations

import socket

import numpy as np
import pandas as pd
import pytest

from anomalia.live.alerts import Webhook, merge_pending, new_alerts, onsets, payload
from anomalia.store import alert_id

from .conftest import Receiver


def test_a_run_continued_from_the_last_cycle_is_not_a_new_alert():
    flagged: dict = {}
    detectors = np.array(["z"] * 6)
    series = np.array(["a", "a", "a", "b", "b", "b"])
    first = onsets(detectors, series, np.array([0, 1, 1, 0, 0, 1], bool), flagged)
    assert first.tolist() == [False, True, False, False, False, True]
    assert flagged == {("z", "a"): True, ("z", "b"): True}
    # Next cycle: `a` goes on flagged (no alert), stops and starts again (one alert).
    second = onsets(detectors[:4], series[:4], np.array([1, 0, 1, 0], bool), flagged)
    assert second.tolist() == [False, False, True, False]
    assert flagged == {("z", "a"): True, ("z", "b"): False}


def test_alerts_already_stored_are_not_stored_twice_and_undelivered_ones_come_back():
    at = pd.Timestamp("2026-01-01 00:05")
    alerts = pd.DataFrame(
        {
            "alert_id": [alert_id("z", s, at) for s in ("a", "b", "c")],
            "series_id": ["a", "b", "c"],
            "timestamp": [at] * 3,
            "detector": ["z"] * 3,
            "score": [5.0, 6.0, 7.0],
            "threshold": [3.0] * 3,
        }
    )
    stored = alerts.iloc[:2].assign(delivered=[True, False])
    fresh, again = new_alerts(alerts, stored)
    assert fresh["alert_id"].tolist() == ["z:c:2026-01-01T00:05:00+00:00"]
    assert not fresh["delivered"].any()
    assert [alert["alert_id"] for alert in again] == ["z:b:2026-01-01T00:05:00+00:00"]
    assert again[0]["timestamp"] == "2026-01-01T00:05:00.000000Z"


def test_pending_alerts_are_kept_once_each():
    first = {"alert_id": "x"}
    assert merge_pending([first], [{"alert_id": "x"}, {"alert_id": "y"}]) == [
        first,
        {"alert_id": "y"},
    ]


def _alert(name: str) -> dict:
    row = {"alert_id": name, "series_id": "a", "timestamp": pd.Timestamp("2026-01-01"),
           "detector": "z", "score": 9.0, "threshold": 3.0}  # fmt: skip
    return payload(row)


def test_the_webhook_posts_json_and_retries_a_failing_receiver():
    receiver = Receiver(fail_first=2)
    try:
        sent = Webhook(receiver.url, attempts=3, backoff=0.01).deliver([_alert("one")])
    finally:
        receiver.close()
    assert sent == [True]
    assert receiver.refused == 2
    assert receiver.received == [_alert("one")]


def test_a_receiver_that_keeps_failing_leaves_the_alerts_undelivered():
    receiver = Receiver(fail_first=100)
    try:
        hook = Webhook(receiver.url, attempts=2, backoff=0.01)
        assert hook.deliver([_alert("one"), _alert("two")]) == [False, False]
    finally:
        receiver.close()
    assert receiver.refused == 2  # the second alert is not tried once the receiver is down
    assert receiver.received == []


def test_a_receiver_that_is_not_there_is_a_failed_delivery():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    hook = Webhook(f"http://127.0.0.1:{port}/", attempts=1, timeout=0.5)
    assert hook.deliver([_alert("one")]) == [False]


def test_a_webhook_must_be_an_http_url():
    with pytest.raises(ValueError, match="http:// or https://"):
        Webhook("ftp://example.org/")
