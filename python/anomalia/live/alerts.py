"""Alerts of ``anomalia stream``: onsets of flagged runs, stored once, delivered to a webhook.

An alert is the onset of a run of flagged points (as for an alert budget,
:func:`anomalia.thresholds.budget.alert_onsets`): a flagged point whose
predecessor in the same series and detector is not flagged. Runs continue
across cycles: the last flag of each series and detector is kept in the
checkpoint. Its id is deterministic (:func:`anomalia.store.alert_id`), so
the store holds each alert once however often a restart derives it again.

Delivery is at least once per alert, and in practice once: an alert is
POSTed as JSON to the webhook (with retries and backoff), and marked
``delivered`` in the store when the receiver answered 2xx. One that failed is
kept and retried next cycle; one the store already holds as delivered (a
restart re-deriving it) is not sent again. Only a process killed between a
receiver's answer and the store write sends it twice, with the same
``alert_id`` for the receiver to drop.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

#: Undelivered alerts kept for retry; older ones stay in the store, marked undelivered.
MAX_PENDING = 10_000
ALERT_COLUMNS = [
    "alert_id",
    "series_id",
    "timestamp",
    "detector",
    "score",
    "threshold",
    "delivered",
]


def onsets(
    detectors: np.ndarray, series_ids: np.ndarray, flags: np.ndarray, flagged: dict
) -> np.ndarray:
    """Which rows start a flagged run, continuing the runs of earlier cycles.

    Parameters
    ----------
    detectors, series_ids : ndarray of str, shape (n,)
        Rows grouped by (detector, series), each group in time order.
    flags : ndarray of bool, shape (n,)
    flagged : dict of (detector, series_id) to bool
        The last flag of each (detector, series) before these rows (absent:
        not flagged); updated with the last flag of each group.

    Returns
    -------
    ndarray of bool, shape (n,)

    Examples
    --------
    >>> last = {("zscore", "a"): True}
    >>> onsets(np.array(["zscore"] * 4), np.array(["a"] * 4),
    ...        np.array([True, False, True, True]), last)
    array([False, False,  True, False])
    >>> last
    {('zscore', 'a'): True}
    """
    flags = np.asarray(flags, dtype=bool)
    if not flags.size:
        return flags
    changes = (detectors[1:] != detectors[:-1]) | (series_ids[1:] != series_ids[:-1])
    starts = np.flatnonzero(np.r_[True, changes])
    ends = np.r_[starts[1:], flags.size]
    previous = np.r_[False, flags[:-1]]  # within a group: the flag of the row before
    for start, end in zip(starts, ends, strict=True):
        key = (str(detectors[start]), str(series_ids[start]))
        previous[start] = flagged.get(key, False)
        flagged[key] = bool(flags[end - 1])
    return flags & ~previous


def new_alerts(scores: pd.DataFrame, stored: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Split the alerts of one cycle into those to store and those already stored.

    Parameters
    ----------
    scores : DataFrame
        The cycle's alerts (the store's alert columns less ``delivered``).
    stored : DataFrame
        Alerts the store holds from the cycle's first onset on.

    Returns
    -------
    fresh : DataFrame
        Alerts the store does not hold yet, ``delivered`` False.
    undelivered : list of dict
        Alerts of this cycle the store holds but not as delivered (a restart
        derived them again before they were delivered).
    """
    delivered = dict(zip(stored["alert_id"], stored["delivered"].astype(bool), strict=True))
    known = scores["alert_id"].isin(delivered)
    fresh = scores[~known].assign(delivered=False)
    sent = scores["alert_id"].map(lambda name: delivered.get(name, False)).astype(bool)
    again = scores[known & ~sent]
    return fresh.reset_index(drop=True), [payload(row) for row in again.to_dict("records")]


def payload(alert: dict[str, Any]) -> dict[str, Any]:
    """The JSON body sent for an alert (timestamps ISO 8601 in UTC, with ``Z``)."""
    return {
        "alert_id": str(alert["alert_id"]),
        "series_id": str(alert["series_id"]),
        "timestamp": pd.Timestamp(alert["timestamp"]).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "detector": str(alert["detector"]),
        "score": float(alert["score"]),
        "threshold": float(alert["threshold"]),
    }


def merge_pending(pending: Sequence[dict], more: Sequence[dict]) -> list[dict]:
    """``pending`` then ``more``, each alert id once, at most :data:`MAX_PENDING` (newest kept)."""
    seen, merged = set(), []
    for alert in [*pending, *more]:
        if alert["alert_id"] not in seen:
            seen.add(alert["alert_id"])
            merged.append(alert)
    if len(merged) > MAX_PENDING:
        log.warning(
            "%d alerts wait for the webhook; the oldest %d are no longer retried (they stay "
            "in the store with delivered = false)",
            len(merged),
            len(merged) - MAX_PENDING,
        )
        merged = merged[-MAX_PENDING:]
    return merged


class Webhook:
    """POST each alert as JSON to ``url``, retrying with exponential backoff.

    Parameters
    ----------
    url : str
        ``http://`` or ``https://`` URL.
    attempts : int, default 3
        Tries per alert and cycle.
    backoff : float, default 0.2
        Seconds before the second try, doubled before each next one.
    timeout : float, default 2.0
        Seconds to wait for the receiver's answer.
    """

    def __init__(self, url: str, *, attempts: int = 3, backoff: float = 0.2, timeout: float = 2.0):
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"--webhook must be an http:// or https:// URL, got {url!r}")
        self.url = url
        self.attempts = attempts
        self.backoff = backoff
        self.timeout = timeout

    def deliver(self, alerts: Sequence[dict[str, Any]]) -> list[bool]:
        """Send each alert; whether the receiver accepted it (a 2xx answer), in order.

        After an alert fails all its tries, the others of this call are not
        tried (the receiver is likely down); they are retried next cycle.
        """
        results = []
        for alert in alerts:
            if results and not results[-1]:
                results.append(False)
                continue
            results.append(self._send(alert))
        return results

    def _send(self, alert: dict[str, Any]) -> bool:
        body = json.dumps(alert).encode()
        for attempt in range(self.attempts):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            request = urllib.request.Request(
                self.url, data=body, method="POST", headers={"content-type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                    if 200 <= answer.status < 300:
                        return True
            except (urllib.error.URLError, OSError) as error:
                reason = error
            else:
                reason = f"HTTP {answer.status}"
            log.debug("webhook %s, try %d: %s", self.url, attempt + 1, reason)
        log.warning("alert %s not delivered to %s: %s", alert["alert_id"], self.url, reason)
        return False
