"""Operator feedback (labels stored by the dashboard) applied to observations.

A stored label names one point: ``series_id``, ``timestamp`` and ``label``
(1: a true anomaly at that timestamp, 0: a false alarm). Applied to a table
of observations, each label sets the ``label`` of the row it names, replacing
what the data said there: the operator has the last word. Rows no label
names keep their label; without a ``label`` column they count as normal (0).
A true anomaly marks one point, so evaluation sees a one-point event there.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from anomalia.exceptions import DataError

log = logging.getLogger(__name__)

FEEDBACK_COLUMNS = ("series_id", "timestamp", "label")


def label_from_feedback(
    observations: pd.DataFrame, labels: pd.DataFrame, source: str = "feedback"
) -> pd.DataFrame:
    """Return ``observations`` with the stored ``labels`` written into its ``label`` column.

    Parameters
    ----------
    observations : DataFrame
        Contract observations (``timestamp`` in UTC).
    labels : DataFrame
        ``series_id``, ``timestamp`` (UTC, tz-aware or naive) and ``label`` (0 or 1).
    source : str
        Where the labels came from, for messages.

    Raises
    ------
    DataError
        When a column is missing or a label is not 0 or 1.
    """
    missing = [c for c in FEEDBACK_COLUMNS if c not in labels.columns]
    if missing:
        raise DataError(f"{source}: labels lack column `{missing[0]}`")
    values = pd.to_numeric(labels["label"], errors="coerce")
    bad = ~values.isin([0, 1])
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{source}, column `label`, row {row + 1}: expected 0 or 1, "
            f"got {labels['label'].tolist()[row]!r}"
        )
    out = observations.copy()
    label = (
        out["label"].to_numpy(np.int8, copy=True)
        if "label" in out
        else np.zeros(len(out), dtype=np.int8)
    )
    stamps = pd.to_datetime(labels["timestamp"])
    stamps = stamps.dt.tz_localize("UTC") if stamps.dt.tz is None else stamps.dt.tz_convert("UTC")
    wanted = pd.DataFrame(
        {"series_id": labels["series_id"].astype(str).to_numpy(), "timestamp": stamps.to_numpy()}
    )
    wanted["timestamp"] = wanted["timestamp"].astype("datetime64[ns, UTC]")
    wanted["value"] = values.astype(np.int8).to_numpy()
    rows = pd.DataFrame(
        {
            "series_id": out["series_id"].astype(str).to_numpy(),
            "timestamp": out["timestamp"].astype("datetime64[ns, UTC]").to_numpy(),
            "row": np.arange(len(out)),
        }
    )
    rows["timestamp"] = rows["timestamp"].astype("datetime64[ns, UTC]")
    matched = wanted.merge(rows, on=["series_id", "timestamp"], how="left")
    unmatched = int(matched["row"].isna().sum())
    if unmatched:
        log.warning("%s: %d label(s) name no row of the data; they are left out", source, unmatched)
    matched = matched.dropna(subset=["row"])
    label[matched["row"].to_numpy(np.int64)] = matched["value"].to_numpy(np.int8)
    out["label"] = label
    log.info(
        "%s: %d label(s) applied (%d true anomalies, %d false alarms)",
        source,
        len(matched),
        int((matched["value"] == 1).sum()),
        int((matched["value"] == 0).sum()),
    )
    return out
