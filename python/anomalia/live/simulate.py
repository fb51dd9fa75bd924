"""``anomalia simulate``: replay observations into a store in real time, or faster.

The replay has its own clock: ``speed`` seconds of data pass per second of
wall time, and a point is written once the clock reaches it, all series
together. With ``timestamps="now"`` (the default) every timestamp is moved by
one offset so that the replay's start lands on the current second; spacing is
kept, so at ``speed`` 60 the stored times run 60 times faster than the wall
clock. ``timestamps="keep"`` writes the data's own timestamps. Every loop also
polls the store for injection requests (the dashboard's) and applies them,
with the ``--inject`` ones, to the points it writes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from anomalia.contract import value_columns
from anomalia.exceptions import ConfigError
from anomalia.live import injections as inject
from anomalia.live.injections import Injection
from anomalia.store import Store

log = logging.getLogger("anomalia")

#: Most rows sent in one write, so a fast replay still polls for requests.
MAX_ROWS_PER_WRITE = 20_000
POLL_INTERVAL_S = 0.5


@dataclass
class Replay:
    """Points to replay, in time order, with their stored timestamps.

    Attributes
    ----------
    rows : DataFrame
        ``series_id``, ``timestamp`` (stored time, int64 ns) and value columns,
        sorted by timestamp then series.
    offsets : ndarray of int64, shape (n_rows,)
        Data time of each row after the replay's start, in ns (negative: backfill).
    spreads : dict
        {(series_id, column): standard deviation}, the unit of injection magnitudes.
    start : int
        Stored time of the replay's start (int64 ns).
    """

    rows: pd.DataFrame
    offsets: np.ndarray
    spreads: dict[tuple[str, str], float]
    start: int

    @property
    def series(self) -> list[str]:
        return sorted(self.rows["series_id"].unique())

    @property
    def columns(self) -> list[str]:
        return value_columns(list(self.rows.columns))


def prepare(
    observations: pd.DataFrame,
    *,
    start_fraction: float = 0.0,
    backfill: pd.Timedelta | None = None,
    timestamps: str = "now",
    now: pd.Timestamp | None = None,
) -> Replay:
    """The replay of a contract observations table.

    Parameters
    ----------
    observations : DataFrame
        A contract table (validated); ``label`` is dropped.
    start_fraction : float, default 0
        Share of each series skipped: the replay starts at this fraction of the
        time span (0.5: the second half, which ``anomalia train`` did not fit on).
    backfill : Timedelta, optional
        Data written at once when the replay starts: the span before its start.
    timestamps : {"now", "keep"}
    now : Timestamp, optional
        Wall time the start maps to (default: the current second).
    """
    if not 0.0 <= start_fraction < 1.0:
        raise ConfigError(f"`start_fraction` must be in [0, 1), got {start_fraction}")
    if timestamps not in ("now", "keep"):
        raise ConfigError(f"`timestamps` must be 'now' or 'keep', got {timestamps!r}")
    columns = value_columns(list(observations.columns))
    frame = observations[["series_id", "timestamp", *columns]].copy()
    stamps = frame["timestamp"].astype("datetime64[ns, UTC]").array.asi8
    first, last = int(stamps.min()), int(stamps.max())
    origin = first + int(start_fraction * (last - first))
    backfill_ns = 0 if backfill is None else int(backfill.value)
    keep = stamps >= origin - backfill_ns
    frame = frame.loc[keep].copy()
    offsets = stamps[keep] - origin
    if timestamps == "now":
        wall = (now or pd.Timestamp.now(tz="UTC")).floor("s").value
        shift = wall - origin
    else:
        shift = 0
    frame["timestamp"] = stamps[keep] + shift
    order = np.lexsort((frame["series_id"].to_numpy(), offsets))
    frame = frame.iloc[order].reset_index(drop=True)
    spreads = {}
    for series_id, group in observations.groupby("series_id", sort=True):
        for column in columns:
            spread = float(np.nanstd(group[column].to_numpy(dtype=np.float64)))
            spreads[(series_id, column)] = spread if np.isfinite(spread) and spread > 0 else 1.0
    return Replay(frame, offsets[order], spreads, origin + shift)


class Simulator:
    """Writes a :class:`Replay` into a store as its clock advances, injecting anomalies.

    Parameters
    ----------
    store : Store
    replay : Replay
    speed : float
        Data seconds per wall second; ``inf`` writes as fast as the store takes it.
    injections : sequence of Injection
        From ``--inject``: offsets are resolved against the replay's start.
    seed : int or None
        Seed of the variance bursts' noise.
    clock : callable
        Monotonic seconds (tests pass a fake one).
    """

    def __init__(
        self,
        store: Store,
        replay: Replay,
        *,
        speed: float = 1.0,
        injections: Sequence[Injection] = (),
        seed: int | None = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not speed > 0:
            raise ConfigError(f"`speed` must be a positive number, got {speed}")
        self.store, self.replay, self.speed, self.clock = store, replay, speed, clock
        self.rng = np.random.default_rng(seed)
        self.pending: list[Injection] = [self._resolve(i) for i in injections]
        self.applied: list[Injection] = []
        self.cursor = 0
        self.written = 0
        self.last_values: dict[tuple[str, str], float] = {}
        # Requests made before this run are history: a new run serves only new ones.
        known = store.read_injections()
        self.last_request = int(known["injection_id"].max()) if len(known) else None

    def _resolve(self, injection: Injection) -> Injection | None:
        series = self.replay.series
        if injection.series_id is None:
            injection.series_id = series[0]
        if injection.column is None:
            injection.column = self.replay.columns[0]
        problem = None
        if injection.series_id not in series:
            problem = f"no series `{injection.series_id}` in the replay"
        elif injection.column not in self.replay.columns:
            problem = f"no value column `{injection.column}`"
        if problem:
            raise ConfigError(
                f"{injection.source}: {problem}; the replay has series {', '.join(series[:5])}"
                f"{' ...' if len(series) > 5 else ''} and columns {', '.join(self.replay.columns)}"
            )
        if injection.offset is not None:
            injection.start = self.replay.start + int(injection.offset.value)
        return injection

    def _poll_requests(self) -> None:
        requests = self.store.read_injections(after_id=self.last_request)
        for _, request in requests.iterrows():
            self.last_request = int(request["injection_id"])
            injection = inject.from_request(request)
            try:
                self.pending.append(self._resolve(injection))
                log.info("%s: %s into %s queued", injection.source, injection.kind,
                         injection.series_id)  # fmt: skip
            except ConfigError as error:
                log.warning("ignored %s", error)

    def _inject(self, rows: pd.DataFrame) -> None:
        for injection in list(self.pending):
            key = (injection.series_id, injection.column)
            changed = inject.apply(
                injection, rows, self.replay.spreads[key], self.last_values.get(key), self.rng
            )
            if changed and injection.done == len(changed):
                log.info(
                    "%s: %s into %s from %s",
                    injection.source,
                    injection.kind,
                    injection.series_id,
                    pd.Timestamp(injection.start, tz="UTC").isoformat(),
                )
            if injection.finished:
                self.pending.remove(injection)
                self.applied.append(injection)

    def step(self, elapsed_ns: float) -> int:
        """Poll requests, then write the rows whose data time has come; rows written."""
        self._poll_requests()
        end = int(np.searchsorted(self.replay.offsets, elapsed_ns, side="right"))
        end = min(end, self.cursor + MAX_ROWS_PER_WRITE)
        if end <= self.cursor:
            return 0
        rows = self.replay.rows.iloc[self.cursor : end].copy()
        self._inject(rows)
        self.store.write_observations(rows.assign(timestamp=pd.to_datetime(rows["timestamp"])))
        last = rows.groupby("series_id", sort=False).last()
        for column in self.replay.columns:
            self.last_values.update(
                {(s, column): v for s, v in last[column].items() if not pd.isna(v)}
            )
        self.cursor = end
        self.written += len(rows)
        return len(rows)

    @property
    def finished(self) -> bool:
        return self.cursor >= len(self.replay.rows)

    def run(self, *, duration: float | None = None, stop: threading.Event | None = None) -> int:
        """Replay until the data ends, ``duration`` wall seconds pass or ``stop`` is set.

        Returns the number of rows written.
        """
        stop = stop or threading.Event()
        began = self.clock()
        while not stop.is_set() and not self.finished:
            waited = self.clock() - began
            if duration is not None and waited >= duration:
                break
            elapsed = np.inf if np.isinf(self.speed) else waited * self.speed * 1e9
            self.step(elapsed)
            if self.finished or np.isinf(self.speed):
                continue
            due_in = (self.replay.offsets[self.cursor] - elapsed) / (self.speed * 1e9)
            stop.wait(min(max(due_in, 0.0), POLL_INTERVAL_S))
        return self.written
