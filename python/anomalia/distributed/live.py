"""``anomalia stream --engine dask``: each cycle's series scored by partitions on the cluster.

:class:`ClusterStream` is the loop of :class:`anomalia.live.stream.Stream`
(store polling, alerts, webhook, checkpoints: all unchanged, in this process)
with its scoring step run as one task per partition of series
(:func:`anomalia.distributed.stream.advance_on_cluster`). The model sets go to
every worker once; each cycle ships the new rows and the series' states and
gets back the answers and new states, which this process keeps and
checkpoints as the local loop does, so a restart (or a lost worker, whose
tasks are rerun) changes nothing.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

import pandas as pd

from anomalia.distributed.cluster import n_workers, open_client
from anomalia.distributed.stream import advance_on_cluster
from anomalia.engine.step import utc_nanoseconds
from anomalia.live.stream import (
    SCORE_COLUMNS,
    Stream,
    install_signal_handlers,
    last_timestamps,
    value_columns,
)

log = logging.getLogger(__name__)

#: Partitions per worker each cycle: several, so one slow task is a small share.
TASKS_PER_WORKER = 2


class ClusterStream(Stream):
    """:class:`~anomalia.live.stream.Stream` scoring on a Dask cluster.

    Parameters
    ----------
    client : distributed.Client
    store, model_sets, checkpoints, webhook, metrics
        As for :class:`~anomalia.live.stream.Stream`.
    """

    def __init__(self, client: Any, store: Any, model_sets: dict[str, Any], checkpoints: Any,
                 **options: Any):  # fmt: skip
        super().__init__(store, model_sets, checkpoints, **options)
        self.client = client
        self._models = {
            name: client.scatter(model_set, broadcast=True, hash=False)
            for name, model_set in model_sets.items()
        }

    def _score(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
        frame = frame.sort_values(["series_id", "timestamp"], kind="stable", ignore_index=True)
        frame["series_id"] = frame["series_id"].astype(str)
        partitions = TASKS_PER_WORKER * n_workers(self.client)
        parts = []
        for name, model_set in self.model_sets.items():
            columns = value_columns(name, model_set, frame)
            refused_before = {series for detector, series in self._refused if detector == name}
            rows = frame.loc[
                ~frame["series_id"].isin(refused_before), ["series_id", "timestamp", *columns]
            ]
            if not len(rows):
                continue
            states = {s: self.progress.states.get((name, s)) for s in rows["series_id"].unique()}
            scores, new_states, refused = advance_on_cluster(
                self.client, self._models[name], states, rows, partitions
            )
            for series_id, state in new_states.items():
                self.progress.states[(name, series_id)] = state
            for series_id, reason in refused.items():
                # One series the models cannot score must not stop the others.
                self._refused.add((name, series_id))
                log.error("%s: series `%s` is not scored: %s", name, series_id, reason)
            if len(scores):
                parts.append(scores.assign(detector=name))
                if self.metrics is not None:
                    self.metrics.points.labels(name).inc(len(scores))
        cursor = last_timestamps(frame["series_id"].to_numpy(), utc_nanoseconds(frame["timestamp"]))
        if not parts:
            return pd.DataFrame(columns=SCORE_COLUMNS), cursor
        return pd.concat(parts, ignore_index=True)[SCORE_COLUMNS], cursor


def run_stream(
    args: argparse.Namespace,
    store: Any,
    model_sets: dict[str, Any],
    checkpoints: Any,
    **options: Any,
) -> None:
    """Connect to (or start) the cluster and run the loop, as ``anomalia stream`` does."""
    with open_client(args.scheduler, args.workers or 2) as client:
        runner = ClusterStream(client, store, model_sets, checkpoints, **options)
        if not args.once:
            install_signal_handlers(runner)
        log.info(
            "streaming %s on %d Dask worker(s) (%d series checkpointed, cycle %d)",
            ", ".join(model_sets),
            n_workers(client),
            len(runner.progress.cursor),
            runner.progress.cycle,
        )
        runner.run(args.interval, once=args.once, log_every=args.log_every)
