"""``anomalia stream``: score the points a store receives, write scores and alerts back.

Each cycle reads the observations after the checkpoint's cursor
(``read_observations(after=...)``), scores them per series with every model
set through the engine (:func:`anomalia.engine.fleet.advance_series`: a
series the models were not trained on is handled as the model set's
``new_series`` says), writes the scores, derives and writes the alerts,
delivers them, and only then writes the checkpoint (:mod:`anomalia.live.checkpoint`).

Exactly once: a cycle's scores are written before its checkpoint. A stream
killed before the checkpoint restarts from the previous one, reads the same
points again (and maybe newer ones) and scores them from the same engine
states; the engine gives the same answers whatever the batch sizes, and the
store's writes are idempotent on (series, timestamp, detector), so the
second write replaces the first with identical rows. A stream killed after
the checkpoint has nothing to redo.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from anomalia.engine.fleet import MISSING, SCORE_COLUMNS, advance_rows
from anomalia.engine.step import utc_nanoseconds
from anomalia.exceptions import DataError, StreamingError
from anomalia.live.alerts import Webhook, merge_pending, new_alerts, onsets, payload
from anomalia.live.checkpoint import Checkpoints, Progress
from anomalia.live.metrics import StreamMetrics
from anomalia.store import alert_id, describe_pruned

log = logging.getLogger(__name__)

#: Seconds of wall time between two prunes of a stream with a retention, and
#: before another try after a failed one (a refusal would otherwise be logged every cycle).
PRUNE_EVERY_S = 3600.0
PRUNE_RETRY_S = 60.0


def value_columns(name: str, model_set: Any, frame: pd.DataFrame) -> list[str]:
    """The value columns model set ``name`` was trained on; DataError if ``frame`` lacks one."""
    columns = list(model_set.value_columns_)
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise DataError(
            f"store observations lack value column `{missing[0]}` the `{name}` models "
            f"were trained on ({', '.join(columns)})"
        )
    return columns


def last_timestamps(series_ids: np.ndarray, stamps: np.ndarray) -> dict[str, int]:
    """The new cursor: each series' last timestamp (ns) in rows sorted by series."""
    last = np.flatnonzero(np.r_[series_ids[1:] != series_ids[:-1], True])
    return {str(series_ids[i]): int(stamps[i]) for i in last}


@dataclass
class CycleReport:
    """What one cycle did.

    Attributes
    ----------
    points : int
        Observations read.
    scores : int
        Score rows written (points times detectors, less refused series).
    alerts : int
        New alerts stored.
    delivered : int
        Alerts the webhook accepted.
    newest : pandas.Timestamp or None
        Newest observation timestamp scored.
    seconds : float
    """

    points: int = 0
    scores: int = 0
    alerts: int = 0
    delivered: int = 0
    newest: pd.Timestamp | None = None
    seconds: float = 0.0


class Stream:
    """The loop of ``anomalia stream`` over one store, model sets and checkpoint folder.

    Parameters
    ----------
    store : anomalia.store.Store
    model_sets : dict of str to ModelSet
        Detector name to its model set; scores are written under that name.
    checkpoints : Checkpoints
    webhook : Webhook, optional
    metrics : StreamMetrics, optional
    on_written : callable, optional
        Called with each cycle's scores once the store holds them (the
        benchmark times ingest-to-flag latency with it).
    retention : timedelta, optional
        :meth:`run` prunes the store's observations and scores older than
        this (wall clock), after its first cycle and then at most once every
        :data:`PRUNE_EVERY_S` seconds (:meth:`prune_if_due`).
    """

    def __init__(
        self,
        store: Any,
        model_sets: dict[str, Any],
        checkpoints: Checkpoints,
        *,
        webhook: Webhook | None = None,
        metrics: StreamMetrics | None = None,
        on_written: Callable[[pd.DataFrame], None] | None = None,
        retention: timedelta | None = None,
    ):
        self.store = store
        self.model_sets = model_sets
        self.checkpoints = checkpoints
        self.webhook = webhook
        self.metrics = metrics
        self.on_written = on_written
        self.retention = retention
        self._next_prune = -np.inf  # time.monotonic() of the next prune
        self.progress: Progress = checkpoints.load()
        self._refused: set[tuple[str, str]] = set()
        self._stop = threading.Event()

    # ------------------------------------------------------------ one cycle
    def cycle(self) -> CycleReport:
        """Read, score, write scores, alert, checkpoint; what it did."""
        started = time.perf_counter()
        report = CycleReport()
        frame = self.store.read_observations(after=dict(self._cursor_timestamps()))
        if len(frame):
            report.points = len(frame)
            scores, cursor = self._score(frame)
            if len(scores):
                self.store.write_scores(scores)
                if self.on_written is not None:
                    self.on_written(scores)
                report.scores = len(scores)
                report.newest = scores["timestamp"].max()
            report.alerts = self._raise_alerts(scores)
            self.progress.cursor.update(cursor)
        report.delivered = self._deliver()
        if len(frame) or report.delivered:
            self.progress.cycle += 1
            changed = set(frame["series_id"].unique()) if len(frame) else set()
            self.checkpoints.save(self.progress, changed)
        report.seconds = time.perf_counter() - started
        if self.metrics is not None:
            self.metrics.cycle_seconds.observe(report.seconds)
            if report.newest is not None:
                now = pd.Timestamp.now(tz="UTC").tz_localize(None)
                self.metrics.lag.set((now - pd.Timestamp(report.newest)).total_seconds())
        return report

    def _cursor_timestamps(self) -> dict[str, pd.Timestamp]:
        return {s: pd.Timestamp(ns) for s, ns in self.progress.cursor.items()}

    def _score(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
        """Scores of every new point by every model set, and the new cursor."""
        frame = frame.sort_values(["series_id", "timestamp"], kind="stable", ignore_index=True)
        series_ids = frame["series_id"].astype(str).to_numpy()
        stamps = utc_nanoseconds(frame["timestamp"])
        bounds = np.flatnonzero(np.r_[True, series_ids[1:] != series_ids[:-1], True])
        timestamps = stamps.astype("datetime64[ns]")  # the store's tz-naive UTC
        parts: list[dict[str, np.ndarray]] = []
        for name, model_set in self.model_sets.items():
            columns = value_columns(name, model_set, frame)
            values = frame[columns].to_numpy(np.float64)
            for start, end in zip(bounds[:-1], bounds[1:], strict=True):
                series_id = series_ids[start]
                part = self._score_series(
                    name, model_set, series_id, values[start:end], stamps[start:end]
                )
                if part is not None:
                    part["timestamp"] = timestamps[start:end]
                    parts.append(part)
                    if self.metrics is not None:
                        self.metrics.points.labels(name).inc(end - start)
        cursor = last_timestamps(series_ids, stamps)
        if not parts:
            return pd.DataFrame(columns=SCORE_COLUMNS), cursor
        scores = pd.DataFrame(
            {column: np.concatenate([part[column] for part in parts]) for column in SCORE_COLUMNS}
        )
        return scores, cursor

    def _score_series(
        self, name: str, model_set: Any, series_id: str, values: np.ndarray, stamps: np.ndarray
    ) -> dict[str, np.ndarray] | None:
        key = (name, series_id)
        if key in self._refused:
            return None
        try:
            answers, state = advance_rows(
                model_set, series_id, self.progress.states.get(key), values, stamps
            )
        except StreamingError as error:
            # A state of other models: skipping would lose points, so stop and say why.
            raise StreamingError(
                f"{name}, series `{series_id}`: {error}; the checkpoints in "
                f"{self.checkpoints.folder} were written with other models: remove that "
                "folder (or give another --state) to start the stream again"
            ) from None
        except DataError as error:
            # One series the models cannot score must not stop the others.
            self._refused.add(key)
            log.error("%s: series `%s` is not scored: %s", name, series_id, error)
            return None
        if state is not None:
            self.progress.states[key] = state
        n = len(values)
        return {
            "series_id": np.full(n, series_id, dtype=object),
            "detector": np.full(n, name, dtype=object),
            **answers,
        }

    # ------------------------------------------------------------ alerts
    def _raise_alerts(self, scores: pd.DataFrame) -> int:
        """Store the onsets of flagged runs in ``scores``; queue them for the webhook."""
        scored = scores[scores["status"] != MISSING]
        if not len(scored):
            return 0
        flags = scored["is_anomaly"].to_numpy(bool)
        starting = onsets(
            scored["detector"].to_numpy(), scored["series_id"].to_numpy(), flags,
            self.progress.flagged,
        )  # fmt: skip
        rows = scored[starting]
        if not len(rows):
            return 0
        alerts = pd.DataFrame(
            {
                "alert_id": [
                    alert_id(d, s, t)
                    for d, s, t in zip(
                        rows["detector"], rows["series_id"], rows["timestamp"], strict=True
                    )
                ],
                "series_id": rows["series_id"].to_numpy(),
                "timestamp": rows["timestamp"].to_numpy(),
                "detector": rows["detector"].to_numpy(),
                "score": rows["score"].to_numpy(np.float64),
                "threshold": rows["threshold"].to_numpy(np.float64),
            }
        )
        stored = self.store.read_alerts(start=alerts["timestamp"].min())
        fresh, again = new_alerts(alerts, stored)
        if len(fresh):
            self.store.write_alerts(fresh)
        if self.webhook is not None:
            queued = [payload(row) for row in fresh.to_dict("records")]
            self.progress.pending = merge_pending(self.progress.pending, [*again, *queued])
        if self.metrics is not None:
            for name, count in fresh["detector"].value_counts().items():
                self.metrics.raised.labels(name).inc(count)
        return len(fresh)

    def _deliver(self) -> int:
        """Send the pending alerts; mark the accepted ones delivered in the store."""
        pending = self.progress.pending
        if self.webhook is None or not pending:
            return 0
        accepted = self.webhook.deliver(pending)
        sent = [alert for alert, ok in zip(pending, accepted, strict=True) if ok]
        if sent:
            frame = pd.DataFrame(sent)
            frame["timestamp"] = pd.to_datetime(frame["timestamp"]).dt.tz_localize(None)
            self.store.write_alerts(frame.assign(delivered=True))
        self.progress.pending = [a for a, ok in zip(pending, accepted, strict=True) if not ok]
        if self.metrics is not None:
            self.metrics.delivered.inc(len(sent))
            self.metrics.failed.inc(len(pending) - len(sent))
        return len(sent)

    # ------------------------------------------------------------ retention
    def prune_if_due(self) -> dict[str, int | None] | None:
        """Prune what the retention no longer keeps, if an hour has passed; the counts.

        Run after a cycle has checkpointed, so the points this stream prunes
        are at or before its cursor: it never deletes a point it has not
        scored (unless one arrives later than the retention). A store that
        cannot be reached, or refuses, is logged and tried again
        :data:`PRUNE_RETRY_S` seconds later; scoring goes on meanwhile.
        """
        now = time.monotonic()
        if self.retention is None or now < self._next_prune:
            return None
        cutoff = pd.Timestamp.now(tz="UTC") - self.retention
        try:
            counts = self.store.prune(cutoff)
        except OSError as error:
            self._next_prune = now + PRUNE_RETRY_S
            log.warning("pruning failed, trying again in %g s: %s", PRUNE_RETRY_S, error)
            return None
        self._next_prune = now + PRUNE_EVERY_S
        log.info(
            "pruned rows before %s (retention %s): %s",
            cutoff.isoformat(timespec="seconds"),
            self.retention,
            describe_pruned(counts),
        )
        return counts

    # ------------------------------------------------------------ the loop
    def stop(self, *_args: Any) -> None:
        """Finish the cycle under way, checkpoint, and return from :meth:`run`."""
        self._stop.set()

    def run(self, interval: float, *, once: bool = False, log_every: int = 10) -> int:
        """Run cycles every ``interval`` seconds until :meth:`stop` (or once); points scored."""
        total, window_points, window_started = 0, 0, time.perf_counter()
        cycles = 0
        while True:
            began = time.perf_counter()
            try:
                report = self.cycle()
            except OSError as error:  # the store went away: nothing of the cycle is checkpointed
                log.warning("cycle failed, retrying from the last checkpoint: %s", error)
                self.progress = self.checkpoints.load()
                if once or self._stop.wait(interval):
                    raise
                continue
            self.prune_if_due()
            total += report.points
            window_points += report.points
            cycles += 1
            if once:
                log.info("scored %d points in %.2f s", report.points, report.seconds)
                return total
            if cycles % log_every == 0:
                elapsed = time.perf_counter() - window_started
                lag = "n/a"
                if report.newest is not None:
                    now = pd.Timestamp.now(tz="UTC").tz_localize(None)
                    lag = f"{(now - pd.Timestamp(report.newest)).total_seconds():.1f} s"
                log.info(
                    "cycle %d: %.0f points/s over the last %d cycles, lag %s, %d alerts pending",
                    self.progress.cycle,
                    window_points / elapsed if elapsed > 0 else 0.0,
                    log_every,
                    lag,
                    len(self.progress.pending),
                )
                window_points, window_started = 0, time.perf_counter()
            if self._stop.wait(max(0.0, interval - (time.perf_counter() - began))):
                return total


def load_model_sets(root: str | Path, names: list[str] | None = None) -> dict[str, Any]:
    """The model sets under ``root`` (what ``anomalia train`` wrote), or ``root`` itself.

    A model set found under ``root`` that cannot score a stream (a threshold
    that judges each batch on its own, a detector that needs the whole series)
    is left out with a warning that says why; one named by ``names``, or
    ``root`` itself, is refused.

    Raises
    ------
    DataError
        If there is no model set, or none (or a named one) can score a stream.
    """
    from anomalia.engine.fleet import check_new_series_streamable
    from anomalia.engine.step import check_streamable
    from anomalia.modelset import ModelSet

    root = Path(root)
    chosen = bool(names) or (root / "manifest.json").is_file()
    if (root / "manifest.json").is_file():
        folders = {ModelSet.load(root).detector: root}
    else:
        found = sorted(
            p.parent for p in root.glob("*/manifest.json") if not p.parent.name.startswith(".")
        )
        folders = {folder.name: folder for folder in found}
    if names:
        unknown = [name for name in names if name not in folders]
        if unknown:
            raise DataError(
                f"{root}: no trained `{unknown[0]}` models; trained: {', '.join(folders) or 'none'}"
            )
        folders = {name: folders[name] for name in names}
    if not folders:
        raise DataError(f"{root}: no trained models; run `anomalia train` first")
    model_sets, refused = {}, []
    for name, folder in folders.items():
        model_set = ModelSet.load(folder)
        try:
            for member in model_set.members_.values():
                check_streamable(member)
            if model_set.new_series is not None:
                check_new_series_streamable(model_set)
        except StreamingError as error:
            if chosen:
                raise DataError(f"{folder}: {error}") from None
            refused.append(f"{folder}: {error}")
            continue
        model_sets[name] = model_set
    if not model_sets:
        raise DataError("no model set can score a stream; " + "; ".join(refused))
    for reason in refused:
        log.warning("not streamed: %s", reason)
    return model_sets


def install_signal_handlers(stream: Stream) -> None:
    """SIGTERM and Ctrl-C finish the cycle under way, checkpoint and exit 0."""
    signal.signal(signal.SIGTERM, stream.stop)
    signal.signal(signal.SIGINT, stream.stop)
