"""The embedded store: one DuckDB file, no server.

DuckDB lets one process at a time open a file, readers included, and keeps
it locked while open. So this store never keeps the file: it holds an
in-memory DuckDB database and, for each call, attaches the file, works in
one transaction and detaches it, releasing the lock. A call that finds the
file locked retries every few milliseconds until ``lock_timeout`` seconds
have passed. The simulator, ``anomalia stream`` and the dashboard can then
share one file; each holds it for milliseconds per call.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from anomalia.exceptions import MissingDependencyError, StoreError
from anomalia.store.base import Store

#: Version of the file layout; a file of another version is refused.
FORMAT_VERSION = 1

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    "CREATE TABLE IF NOT EXISTS observations (series_id VARCHAR, timestamp TIMESTAMP_NS, "
    "PRIMARY KEY (series_id, timestamp))",
    "CREATE TABLE IF NOT EXISTS scores (series_id VARCHAR, timestamp TIMESTAMP_NS, "
    "detector VARCHAR, score DOUBLE, threshold DOUBLE, is_anomaly BOOLEAN, status VARCHAR, "
    "PRIMARY KEY (series_id, detector, timestamp))",
    "CREATE TABLE IF NOT EXISTS alerts (alert_id VARCHAR PRIMARY KEY, series_id VARCHAR, "
    "timestamp TIMESTAMP_NS, detector VARCHAR, score DOUBLE, threshold DOUBLE, "
    "delivered BOOLEAN)",
    "CREATE TABLE IF NOT EXISTS labels (series_id VARCHAR, timestamp TIMESTAMP_NS, "
    "label TINYINT, alert_id VARCHAR, source VARCHAR, PRIMARY KEY (series_id, timestamp))",
    "CREATE SEQUENCE IF NOT EXISTS injection_ids",
    "CREATE TABLE IF NOT EXISTS injections (injection_id BIGINT PRIMARY KEY, "
    'series_id VARCHAR, kind VARCHAR, "at" TIMESTAMP_NS, magnitude DOUBLE, '
    "requested TIMESTAMP_NS)",
)

# A waiting call retries every few milliseconds, and a store leaves the file
# free for longer than that between two of its calls, so that a process
# calling in a loop cannot starve the others (the file lock is not fair).
_MAX_BACKOFF_S = 0.004
_GAP_S = 0.01
#: Rows one transaction of ``prune`` deletes at most (about a second's work).
_PRUNE_CHUNK = 100_000


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _as_timestamps(rows: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """int64 ns columns as naive datetimes, which DuckDB scans as TIMESTAMP_NS."""
    rows = rows.copy()
    for name in columns:
        rows[name] = pd.to_datetime(rows[name].to_numpy(dtype=np.int64), unit="ns")
    return rows


class DuckDBStore(Store):
    """A store in one DuckDB file, shared by processes through short-lived connections.

    Parameters
    ----------
    path : str or Path
        The database file; created (with its folder) when missing.
    lock_timeout : float, default 30
        Seconds a call waits for another process to release the file.
    """

    def __init__(self, path: str | Path, *, lock_timeout: float = 30.0) -> None:
        try:
            import duckdb
        except ImportError:
            raise MissingDependencyError(
                "the DuckDB store needs duckdb: pip install 'anomalia[live]'"
            ) from None
        self._duckdb = duckdb
        self.path = Path(path)
        self.url = f"duckdb:///{self.path}"
        self.lock_timeout = lock_timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._memory = duckdb.connect(":memory:")
        self._guard = threading.Lock()  # one call at a time on the in-memory connection
        self._released_at = -np.inf
        self._columns: set[str] = {"series_id", "timestamp"}
        self._run(self._create)

    def close(self) -> None:
        self._memory.close()

    def _create(self, con: Any) -> None:
        for statement in _SCHEMA:
            con.execute(statement)
        found = con.execute("SELECT value FROM store_meta WHERE key = 'format_version'").fetchone()
        if found is None:
            con.execute(
                "INSERT OR IGNORE INTO store_meta VALUES ('format_version', ?)",
                [str(FORMAT_VERSION)],
            )
        elif found[0] != str(FORMAT_VERSION):
            raise StoreError(
                f"{self.path}: store format version {found[0]}, this anomalia reads version "
                f"{FORMAT_VERSION}; start a new store file"
            )

    # -- connections --------------------------------------------------------
    @contextmanager
    def _connection(self) -> Iterator[Any]:
        """The file attached to this store's in-memory database for one call.

        Attaching costs a few milliseconds where a new connection costs tens;
        detaching releases the file's lock for the other processes.
        """
        duckdb = self._duckdb
        # ResourceInUseException: the file is attached by another store of this process.
        busy_errors = (
            duckdb.IOException,
            getattr(duckdb, "ResourceInUseException", duckdb.IOException),
        )
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.001
        with self._guard:
            con = self._memory
            pause = self._released_at + _GAP_S - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            while True:
                try:
                    con.execute(f"ATTACH {_literal(str(self.path))} AS live")
                    break
                except busy_errors as error:
                    busy = "lock" in str(error).lower() or "already attached" in str(error)
                    if not busy:
                        raise StoreError(f"{self.path}: cannot open the store ({error})") from None
                    if time.monotonic() > deadline:
                        raise StoreError(
                            f"{self.path}: still locked by another process after "
                            f"{self.lock_timeout:g} s ({error})"
                        ) from None
                except duckdb.Error as error:
                    raise StoreError(
                        f"{self.path}: not a readable DuckDB store ({error})"
                    ) from None
                time.sleep(random.uniform(0.5, 1.0) * delay)
                delay = min(2 * delay, _MAX_BACKOFF_S)
            try:
                con.execute("USE live")
                yield con
            finally:
                con.execute("USE memory")
                con.execute("DETACH live")
                self._released_at = time.monotonic()

    def _run(self, work: Callable[[Any], Any]) -> Any:
        """``work(connection)`` in one transaction, the file attached meanwhile."""
        with self._connection() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                result = work(con)
                con.execute("COMMIT")
            except BaseException:
                with suppress(self._duckdb.Error):  # a failed COMMIT has rolled back already
                    con.execute("ROLLBACK")
                raise
            return result

    def _query(self, sql: str, parameters: list | None = None, **frames: pd.DataFrame):
        def work(con: Any) -> pd.DataFrame:
            for name, frame in frames.items():
                con.register(name, frame)
            try:
                return con.execute(sql, parameters or []).df()
            finally:
                for name in frames:
                    con.unregister(name)

        return self._run(work)

    # -- writes -------------------------------------------------------------
    def _upsert(self, table: str, rows: pd.DataFrame, con: Any) -> None:
        con.register("incoming", rows)
        columns = ", ".join(_quote(c) for c in rows.columns)
        try:
            con.execute(
                f"INSERT OR REPLACE INTO {table} ({columns}) SELECT {columns} FROM incoming"
            )
        finally:
            con.unregister("incoming")

    def _write_observations(self, rows: pd.DataFrame) -> None:
        rows = _as_timestamps(rows, ("timestamp",))

        def work(con: Any) -> None:
            # Columns are only ever added, so the ones seen once stay known.
            for name in rows.columns:
                if name not in self._columns:
                    kind = "BOOLEAN" if rows[name].dtype == bool else "DOUBLE"
                    con.execute(
                        f"ALTER TABLE observations ADD COLUMN IF NOT EXISTS {_quote(name)} {kind}"
                    )
            self._upsert("observations", rows, con)
            self._columns.update(rows.columns)

        self._run(work)

    def _write(self, table: str, rows: pd.DataFrame) -> None:
        rows = _as_timestamps(rows, ("timestamp",))
        self._run(lambda con: self._upsert(table, rows, con))

    def _prune(self, tables: list[str], before: int) -> dict[str, int | None]:
        # In chunks, each its own transaction: a prune of a large backlog holds the file
        # about a second at a time (deleting costs 5-7 s per million rows: the primary-key
        # index), not beyond the other processes' lock_timeout. The file does not shrink:
        # later writes reuse the freed blocks (docs/live.md, Retention).
        counts: dict[str, int | None] = {}
        for table in tables:
            sql = (
                f"DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} "
                f"WHERE timestamp < make_timestamp_ns(?) LIMIT {_PRUNE_CHUNK})"
            )
            counts[table] = 0
            while True:
                deleted = int(self._query(sql, [before]).iloc[0, 0])
                counts[table] += deleted
                if deleted < _PRUNE_CHUNK:  # the last chunk
                    break
        return counts

    # -- reads --------------------------------------------------------------
    @staticmethod
    def _filters(
        series_ids: list[str] | None,
        detectors: list[str] | None,
        start: int | None,
        end: int | None,
    ) -> tuple[list[str], list]:
        where, parameters = [], []
        if series_ids is not None:
            where.append("list_contains(?, t.series_id)")
            parameters.append(series_ids)
        if detectors is not None:
            where.append("list_contains(?, t.detector)")
            parameters.append(detectors)
        if start is not None:
            where.append("t.timestamp >= make_timestamp_ns(?)")
            parameters.append(start)
        if end is not None:
            where.append("t.timestamp <= make_timestamp_ns(?)")
            parameters.append(end)
        return where, parameters

    def _read_observations(
        self,
        series_ids: list[str] | None,
        start: int | None,
        end: int | None,
        after: dict[str, int] | None,
    ) -> pd.DataFrame:
        where, parameters = self._filters(series_ids, None, start, end)
        frames = {}
        join = ""
        if after:
            frames["after_keys"] = pd.DataFrame(
                {
                    "series_id": list(after),
                    "after": pd.to_datetime(np.fromiter(after.values(), np.int64), unit="ns"),
                }
            )
            join = "LEFT JOIN after_keys a ON a.series_id = t.series_id"
            where.append("(a.after IS NULL OR t.timestamp > a.after)")
        sql = f"SELECT t.* FROM observations t {join}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return self._query(sql, parameters, **frames)

    def _read(
        self,
        table: str,
        series_ids: list[str] | None,
        detectors: list[str] | None,
        start: int | None,
        end: int | None,
    ) -> pd.DataFrame:
        where, parameters = self._filters(series_ids, detectors, start, end)
        sql = f"SELECT * FROM {table} t"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return self._query(sql, parameters)

    def _request_injection(
        self, series_id: str, kind: str, at: int | None, magnitude: float | None
    ) -> int:
        def work(con: Any) -> int:
            return con.execute(
                "INSERT INTO injections VALUES (nextval('injection_ids'), ?, ?, "
                "CASE WHEN ? IS NULL THEN NULL ELSE make_timestamp_ns(?) END, ?, "
                "make_timestamp_ns(?)) RETURNING injection_id",
                [series_id, kind, at, at, magnitude, time.time_ns()],
            ).fetchone()[0]

        return self._run(work)

    def _read_injections(self, after_id: int | None) -> pd.DataFrame:
        sql = 'SELECT injection_id, series_id, kind, "at", magnitude FROM injections'
        if after_id is None:
            return self._query(sql)
        return self._query(sql + " WHERE injection_id > ?", [after_id])

    # -- catalogue ----------------------------------------------------------
    def _series(self) -> list[str]:
        return self._query("SELECT DISTINCT series_id FROM observations")["series_id"].tolist()

    def _detectors(self) -> list[str]:
        return self._query("SELECT DISTINCT detector FROM scores")["detector"].tolist()

    def _latest(self, series_ids: list[str] | None) -> dict[str, int]:
        where, parameters = self._filters(series_ids, None, None, None)
        sql = "SELECT series_id, epoch_ns(max(timestamp)) AS last FROM observations t"
        if where:
            sql += " WHERE " + " AND ".join(where)
        frame = self._query(sql + " GROUP BY series_id", parameters)
        return dict(zip(frame["series_id"], frame["last"].astype(np.int64), strict=True))
