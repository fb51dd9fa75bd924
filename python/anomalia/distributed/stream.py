"""Streams on a Dask cluster: a partition of series advanced by one task.

:func:`advance_partition` is the step of the engine (:func:`anomalia.engine.fleet.advance_series`)
over many series at once: (model set, their states, their new rows) ->
(answers for exactly those rows, new states). It is pure, so a stream loop
can run it anywhere; :func:`advance_on_cluster` cuts a poll's rows into
partitions of series and runs one task each, states travelling with the
tasks (the loop keeps them and checkpoints them, as it does locally).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from anomalia.engine.fleet import SCORE_COLUMNS, advance_rows
from anomalia.engine.state import StreamState
from anomalia.engine.step import utc_nanoseconds
from anomalia.exceptions import DataError, StreamingError


def advance_partition(
    model_set: Any, states: Mapping[str, StreamState | None], rows: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, StreamState], dict[str, str]]:
    """Score the new rows of several series from their states.

    Parameters
    ----------
    model_set : ModelSet
    states : mapping of series id to StreamState or None
        None (or absent) for a series nothing was scored of yet.
    rows : pandas.DataFrame
        ``series_id``, ``timestamp`` and the model set's value columns, each
        series' rows in time order after its state's last timestamp. Rows with
        a missing value are answered with status ``"missing"`` and not scored.

    Returns
    -------
    scores : pandas.DataFrame
        Contract scores columns, one row per input row (series of ``refused`` left out).
    new_states : dict of str to StreamState
        States of the series scored.
    refused : dict of str to str
        Series the models cannot score, with the reason (the others go on).
    """
    parts, new_states, refused = [], {}, {}
    columns = model_set.value_columns_
    for series_id, frame in rows.groupby("series_id", sort=False):
        series_id = str(series_id)
        values = frame[columns].to_numpy(np.float64)
        stamps = utc_nanoseconds(frame["timestamp"])
        try:
            answers, state = advance_rows(
                model_set, series_id, states.get(series_id), values, stamps
            )
        except (DataError, StreamingError) as error:
            refused[series_id] = str(error)
            continue
        if state is not None:
            new_states[series_id] = state
        parts.append(
            pd.DataFrame(
                {
                    "series_id": series_id,
                    "timestamp": stamps.astype("datetime64[ns]"),
                    "detector": model_set.detector,
                    **answers,
                }
            )
        )
    scores = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=SCORE_COLUMNS)
    return scores, new_states, refused


@functools.lru_cache(maxsize=64)
def _models(folder: str, modified: float, series: frozenset[str]) -> Any:
    """A worker keeps the models of its last partitions: a poll every second reloads nothing."""
    from anomalia.modelset import ModelSet, saved_train_ends

    template = next(iter(saved_train_ends(folder)))
    return ModelSet.load(folder, series=[*sorted(series), template])


def _advance_task(
    model: Any, modified: float, states: dict[str, StreamState | None], rows: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, StreamState], dict[str, str]]:
    if isinstance(model, str):  # a model set folder: loaded once per worker and partition
        series = frozenset(str(s) for s in rows["series_id"].unique())
        model = _models(model, modified, series)
    return advance_partition(model, states, rows)


def advance_on_cluster(
    client: Any,
    model: Any,
    states: Mapping[str, StreamState | None],
    rows: pd.DataFrame,
    n_partitions: int,
) -> tuple[pd.DataFrame, dict[str, StreamState], dict[str, str]]:
    """:func:`advance_partition` over the cluster: one task per partition of series.

    Parameters
    ----------
    model : str, pathlib.Path, ModelSet or distributed.Future
        A saved model set every worker can read (its manifest's modification
        time keys the workers' cache, so a retrained set is reloaded), or a
        model set in memory, best scattered once to every worker
        (``client.scatter(model_set, broadcast=True)``) and given as its future.

    Results are those of one :func:`advance_partition` over all the rows.
    """
    from anomalia.distributed.partitions import from_frame

    modified = 0.0
    if isinstance(model, (str, Path)):
        modified = (Path(model) / "manifest.json").stat().st_mtime
        model = str(model)
    futures = []
    for partition in from_frame(rows, n_partitions):
        series = partition.rows["series_id"].unique()
        wanted = {str(s): states.get(str(s)) for s in series}
        futures.append(
            client.submit(_advance_task, model, modified, wanted, partition.rows, pure=False)
        )
    scores, new_states, refused = [], {}, {}
    for part, part_states, part_refused in client.gather(futures):
        scores.append(part)
        new_states.update(part_states)
        refused.update(part_refused)
    if not scores:
        return pd.DataFrame(columns=SCORE_COLUMNS), new_states, refused
    return pd.concat(scores, ignore_index=True), new_states, refused
