"""Alerts as an on-call human sees them: onsets of runs of flagged points, per day.

An alert is a flagged point whose predecessor is not flagged
(:func:`anomalia.thresholds.budget.alert_onsets`); this module counts them on
the rows a detector did not train on, so that a budget can be checked.
"""

from __future__ import annotations

import pandas as pd

from anomalia.evaluation import TrainEnds, held_out
from anomalia.thresholds.budget import alert_onsets

_DAY = pd.Timedelta("1D")


def held_out_alerts(scores: pd.DataFrame, train_ends: TrainEnds | None = None) -> pd.DataFrame:
    """Alerts and alerts per day of each detector on its held-out rows.

    Parameters
    ----------
    scores : DataFrame
        Contract scores (``series_id``, ``timestamp``, ``detector``, ``is_anomaly``).
    train_ends : mapping, optional
        ``{detector: {series_id: last training timestamp}}``; rows up to it are
        left out (see :func:`anomalia.evaluation.held_out`).

    Returns
    -------
    DataFrame
        ``detector``, ``n_alerts`` and ``alerts_per_day`` (alerts over the
        summed time span of the held-out rows of every series; nan when that
        span is zero).
    """
    kept = scores[held_out(scores, train_ends)]
    rows = []
    for detector, frame in kept.groupby("detector", sort=True):
        n_alerts, days = 0, 0.0
        for _, series in frame.groupby("series_id", sort=False):
            series = series.sort_values("timestamp")
            n_alerts += alert_onsets(series["is_anomaly"].to_numpy()).size
            days += (series["timestamp"].iloc[-1] - series["timestamp"].iloc[0]) / _DAY
        per_day = n_alerts / days if days > 0 else float("nan")
        rows.append({"detector": detector, "n_alerts": n_alerts, "alerts_per_day": per_day})
    return pd.DataFrame(rows, columns=["detector", "n_alerts", "alerts_per_day"])
