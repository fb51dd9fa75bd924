"""``anomalia detect --engine dask``: one task per partition, one result file per partition.

Each task loads only its series' models (:meth:`ModelSet.load` with
``series``), scores its rows with the one engine (:mod:`anomalia.engine`)
and writes ``<out>/part-NNNNN.parquet`` atomically.

A series longer than ``chunk_rows`` is its own partition. When its model can
stream (a causal detector, a threshold that continues), it is scored in time
chunks: chunk k+1's task starts from the stream state chunk k's task returns,
so the scores are those of the series scored whole; a last task maps them
back to the input's rows and writes the file. Otherwise one task scores it whole.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from anomalia.distributed.partitions import Partition, clear_parts, write_part
from anomalia.engine import check_streamable
from anomalia.engine.fleet import _concat, advance_series
from anomalia.exceptions import DataError, StreamingError
from anomalia.modelset import ModelSet, saved_train_ends

#: Default length above which a series is scored in time chunks.
CHUNK_ROWS = 1_000_000


@dataclass(frozen=True)
class PartResult:
    """What one partition's task wrote."""

    index: int
    n_rows: int
    n_flagged: int
    series: tuple[str, ...]
    source: str
    #: Time chunks the partition was scored in, each task continuing the last one's state.
    n_chunks: int = 1


def load_models(
    directory: Path, series: list[str], budget: dict[str, Any] | None, template: str
) -> ModelSet:
    """The model set's models of ``series`` (and of ``template``, for unseen series)."""
    model_set = ModelSet.load(directory, series=[*series, template])
    if budget:
        model_set.rethreshold(budget)
    return model_set


def _score_partition(
    directory: Path,
    partition: Partition,
    out: Path,
    budget: dict[str, Any] | None,
    template: str,
) -> PartResult:
    frame = partition.read()
    series = [str(s) for s in frame["series_id"].unique()]
    model_set = load_models(directory, series, budget, template)
    scores = model_set.score(frame, progress=False)
    write_part(scores, out, partition.index)
    flagged = int(scores["is_anomaly"].sum())
    return PartResult(partition.index, len(scores), flagged, tuple(series), partition.source)


def _advance_chunk(
    directory: Path,
    series_id: str,
    budget: dict[str, Any] | None,
    template: str,
    state: Any,
    values: np.ndarray,
) -> tuple[Any, Any]:
    model_set = load_models(directory, [series_id], budget, template)
    return advance_series(model_set, series_id, state, values)


def _write_chunked(
    directory: Path,
    series_id: str,
    budget: dict[str, Any] | None,
    template: str,
    frame: pd.DataFrame,
    grid: pd.Series,
    answers: list[Any],
    out: Path,
    index: int,
    source: str,
) -> PartResult:
    model_set = load_models(directory, [series_id], budget, template)
    scores = model_set.score_rows(series_id, frame, grid, _concat(answers))
    scores["timestamp"] = scores["timestamp"].astype("datetime64[ns, UTC]")
    write_part(scores, out, index)
    flagged = int(scores["is_anomaly"].sum())
    return PartResult(index, len(scores), flagged, (series_id,), source, len(answers))


def _chunked(
    client: Any,
    directory: Path,
    partition: Partition,
    out: Path,
    budget: dict[str, Any] | None,
    template: str,
    chunk_rows: int,
) -> Any | None:
    """The future of a long series' chained chunk tasks; None if its model cannot stream."""
    frame = partition.rows
    series_id = str(frame["series_id"].iloc[0])
    model_set = load_models(directory, [series_id], budget, template)
    member = model_set.members_.get(series_id)
    if member is None:
        return None
    try:
        check_streamable(member)
    except StreamingError:
        return None
    prepared = model_set.prepare_series(series_id, frame)
    values = prepared[model_set.value_columns_].to_numpy()
    state, answers = None, []
    for first in range(0, len(values), chunk_rows):
        step = client.submit(
            _advance_chunk,
            directory,
            series_id,
            budget,
            template,
            state,
            values[first : first + chunk_rows],
        )
        answers.append(client.submit(operator.getitem, step, 0))
        state = client.submit(operator.getitem, step, 1)
    return client.submit(
        _write_chunked,
        directory,
        series_id,
        budget,
        template,
        frame,
        prepared["timestamp"],
        answers,
        out,
        partition.index,
        partition.source,
    )


def detect_on_cluster(
    client: Any,
    directory: str | Path,
    partitions: list[Partition],
    out: str | Path,
    *,
    budget: dict[str, Any] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> list[PartResult]:
    """Score every partition with the model set saved in ``directory``; write ``out``.

    Parameters
    ----------
    client : distributed.Client
    directory : str or pathlib.Path
        A saved model set (every worker must be able to read it).
    partitions : list of Partition
        From :mod:`anomalia.distributed.partitions`.
    out : str or pathlib.Path
        Results folder: ``part-NNNNN.parquet`` per partition (older ones removed first).
    budget : dict, optional
        A threshold spec applied to every series first (``--alerts-per-day``).
    chunk_rows : int
        Partitions of one series longer than this are scored in time chunks.

    Returns
    -------
    list of PartResult
        In partition order.

    Raises
    ------
    DataError
        If a series lies in two partitions, or a task fails with a data error.
    """
    directory, out = Path(directory), Path(out)
    template = next(iter(saved_train_ends(directory)))
    clear_parts(out)
    futures = []
    for part in partitions:
        future = None
        if part.rows is not None and part.rows["series_id"].nunique() == 1:
            if len(part.rows) > chunk_rows:
                future = _chunked(client, directory, part, out, budget, template, chunk_rows)
        if future is None:
            future = client.submit(
                _score_partition, directory, part, out, budget, template, pure=False
            )
        futures.append(future)
    results = client.gather(futures)
    owner: dict[str, str] = {}
    for result in results:
        for series_id in result.series:
            if series_id in owner:
                raise DataError(
                    f"{result.source}: series `{series_id}` is also in {owner[series_id]}; "
                    "a series must lie in one partition (one file of the dataset)"
                )
            owner[series_id] = result.source
    return results
