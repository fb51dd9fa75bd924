"""Summaries of a scores table for monitoring: volumes, anomaly rates, score quantiles, drift."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from anomalia.drift import drift_table
from anomalia.modelset import saved_reference

QUANTILES = (0.5, 0.9, 0.99)


def summarise_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Points, anomalies, anomaly rate and score quantiles per detector and series.

    Parameters
    ----------
    scores : DataFrame
        A validated contract scores table.

    Returns
    -------
    DataFrame
        One row per detector and series, then one ``(all)`` row per detector:
        ``detector``, ``series_id``, ``points``, ``anomalies``, ``rate``,
        ``score_p50``, ``score_p90``, ``score_p99``, ``score_max``, ``first``, ``last``.
    """

    def summary(part: pd.DataFrame) -> dict[str, object]:
        values = part["score"].to_numpy(np.float64)
        anomalies = int(part["is_anomaly"].sum())
        row: dict[str, object] = {"points": len(part), "anomalies": anomalies}
        row["rate"] = anomalies / len(part)
        for q in QUANTILES:
            row[f"score_p{round(q * 100)}"] = float(np.quantile(values, q))
        row["score_max"] = float(values.max())
        row["first"] = part["timestamp"].min()
        row["last"] = part["timestamp"].max()
        return row

    rows = []
    for detector, by_detector in scores.groupby("detector", sort=True):
        for series_id, part in by_detector.groupby("series_id", sort=True):
            rows.append({"detector": detector, "series_id": series_id, **summary(part)})
        rows.append({"detector": detector, "series_id": "(all)", **summary(by_detector)})
    return pd.DataFrame(rows)


def drift_against_models(
    observations: pd.DataFrame, models: str | Path, detectors: list[str], min_points: int = 100
) -> pd.DataFrame:
    """Drift of ``observations`` against the training reference saved with each model set.

    Returns
    -------
    DataFrame
        ``detector``, ``series_id``, ``feature``, ``n``, ``psi``, ``ks``; model sets
        saved without a reference contribute no rows.
    """
    parts = []
    for detector in detectors:
        table = drift_table(observations, saved_reference(Path(models) / detector), min_points)
        parts.append(table.assign(detector=detector))
    columns = ["detector", "series_id", "feature", "n", "psi", "ks"]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]
