"""Labels given as an events CSV: one row per labelled event, ``series_id,start,end``.

Points of a series with ``start <= timestamp <= end`` are labelled 1, every
other point 0. Rows are counted from 1, as in every contract error.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from anomalia.contract.ingest import parse_timestamps
from anomalia.exceptions import DataError

log = logging.getLogger(__name__)

EVENT_COLUMNS = ("series_id", "start", "end")


def read_events(path: str | Path, timezone: str = "UTC") -> pd.DataFrame:
    """Read and check an events CSV.

    Parameters
    ----------
    path : str or Path
        CSV with columns ``series_id``, ``start`` and ``end`` (others are ignored).
    timezone : str
        Zone of timestamps written without an offset.

    Returns
    -------
    DataFrame
        ``series_id`` (str), ``start`` and ``end`` (UTC), one row per event.

    Raises
    ------
    DataError
        Naming the file, the column and the row of the first problem.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such events file")
    try:
        frame = pd.read_csv(path, dtype={"series_id": str}, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise DataError(
            f"{path}: the file is empty; expected a header `series_id,start,end` and rows"
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: not a readable CSV file ({error})") from None
    missing = [c for c in EVENT_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: missing column `{missing[0]}`; an events file has columns "
            f"series_id,start,end; found: {', '.join(map(str, frame.columns)) or 'none'}"
        )
    if frame.empty:
        raise DataError(f"{path}: no events; expected at least one row series_id,start,end")
    ids = frame["series_id"]
    if ids.isna().any():
        row = int(np.flatnonzero(ids.isna().to_numpy())[0]) + 1
        raise DataError(f"{path}, column `series_id`, row {row}: expected a series id, got nothing")
    events = pd.DataFrame({"series_id": ids.astype(str)})
    for column in ("start", "end"):
        events[column] = parse_timestamps(frame[column], str(path), column, timezone).to_numpy()
    backwards = (events["end"] < events["start"]).to_numpy()
    if backwards.any():
        row = int(np.flatnonzero(backwards)[0]) + 1
        raise DataError(
            f"{path}, column `end`, row {row}: expected a time at or after `start` "
            f"({events['start'].iloc[row - 1]}), got {events['end'].iloc[row - 1]}"
        )
    return events


def label_from_events(
    observations: pd.DataFrame, events: pd.DataFrame, source: str = "events"
) -> pd.DataFrame:
    """Return ``observations`` with ``label`` 1 inside an event of its series, else 0.

    An existing ``label`` column is replaced. Events of series absent from
    ``observations`` are reported in the log.
    """
    out = observations.copy()
    label = np.zeros(len(out), dtype=np.int8)
    series = out["series_id"].astype(str).to_numpy()
    timestamps = out["timestamp"]
    unknown = sorted(set(events["series_id"]) - set(series))
    if unknown:
        log.warning(
            "%s: %d event(s) name series absent from the data (%s)",
            source,
            int(events["series_id"].isin(unknown).sum()),
            ", ".join(unknown[:5]),
        )
    for series_id, start, end in events[list(EVENT_COLUMNS)].itertuples(index=False):
        inside = (series == series_id) & (timestamps >= start).to_numpy()
        inside &= (timestamps <= end).to_numpy()
        label[inside] = 1
    out["label"] = label
    return out
