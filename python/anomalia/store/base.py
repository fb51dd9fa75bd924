"""The store interface: observations, scores, alerts, labels and injection requests.

:class:`Store` owns the public verbs: each checks its arguments once, turns
timestamps into int64 nanoseconds and calls the backend's private method, then
gives frames back in one form (contract column names, ``datetime64[ns, UTC]``
timestamps, sorted by key). A backend writes only the ``_`` methods.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from anomalia.exceptions import ConfigError
from anomalia.store import tables

SeriesIds = str | Iterable[str] | None

#: Tables :meth:`Store.prune` may prune, and those it prunes unless told otherwise:
#: labels (feedback, training data) and alerts (small, the audit trail) are kept.
PRUNABLE = ("observations", "scores", "alerts", "labels")
PRUNED_BY_DEFAULT = ("observations", "scores")


class Store(ABC):
    """A time-series store shared by the simulator, ``anomalia stream`` and the dashboard.

    Every write is idempotent: writing a row whose key is already stored
    replaces the columns it carries (keys: observations ``series_id,
    timestamp``; scores ``series_id, detector, timestamp``; alerts
    ``alert_id``; labels ``series_id, timestamp``). Time filters are inclusive
    (``start <= timestamp <= end``); ``after`` is strict. Threads may share a
    store (on DuckDB their calls take turns); a process needs one store per URL.

    Attributes
    ----------
    url : str
        The URL the store was opened with.
    """

    url: str

    # -- observations -------------------------------------------------------
    def write_observations(self, frame: pd.DataFrame) -> int:
        """Store observations: ``series_id``, ``timestamp`` and value columns; rows written."""
        rows = tables.observations_in(frame)
        if len(rows):
            self._write_observations(rows)
        return len(rows)

    def read_observations(
        self,
        series_id: SeriesIds = None,
        start: object = None,
        end: object = None,
        after: Mapping[str, object] | None = None,
    ) -> pd.DataFrame:
        """Observations sorted by ``series_id`` then ``timestamp``.

        Parameters
        ----------
        series_id : str, list of str or None
            The series to read; ``None`` reads all.
        start, end : timestamp or None
            Inclusive bounds.
        after : mapping of series_id to timestamp, optional
            Only rows strictly later than their series' entry; a series absent
            from the mapping gives all its rows. ``anomalia stream`` polls with it.
        """
        frame = self._read_observations(
            tables.series_ids(series_id),
            tables.instant(start, "start"),
            tables.instant(end, "end"),
            tables.after_ns(after),
        )
        return tables.table_out(frame, "observations")

    # -- scores, alerts, labels --------------------------------------------
    def write_scores(self, frame: pd.DataFrame) -> int:
        """Store scores (``series_id, timestamp, detector, score, threshold, is_anomaly,
        status``); rows written."""
        return self._write_table(frame, "scores")

    def read_scores(
        self,
        series_id: SeriesIds = None,
        detector: str | Iterable[str] | None = None,
        start: object = None,
        end: object = None,
    ) -> pd.DataFrame:
        """Scores sorted by ``series_id``, ``detector``, ``timestamp``."""
        return self._read_filtered("scores", series_id, detector, start, end)

    def write_alerts(self, frame: pd.DataFrame) -> int:
        """Store alerts (``alert_id`` filled in when missing: see :func:`tables.alert_id`)."""
        return self._write_table(frame, "alerts")

    def read_alerts(
        self,
        series_id: SeriesIds = None,
        detector: str | Iterable[str] | None = None,
        start: object = None,
        end: object = None,
    ) -> pd.DataFrame:
        """Alerts sorted by ``series_id``, ``detector``, ``timestamp`` (the onset)."""
        return self._read_filtered("alerts", series_id, detector, start, end)

    def write_labels(self, frame: pd.DataFrame) -> int:
        """Store feedback: ``series_id, timestamp, label`` (1 true anomaly, 0 false alarm),
        optional ``alert_id`` and ``source``; rows written."""
        return self._write_table(frame, "labels")

    def read_labels(self, series_id: SeriesIds = None) -> pd.DataFrame:
        """Labels sorted by ``series_id`` then ``timestamp``."""
        return self._read_filtered("labels", series_id, None, None, None)

    # -- injection requests -------------------------------------------------
    def request_injection(
        self,
        series_id: str,
        kind: str,
        at: object = None,
        magnitude: float | None = None,
    ) -> int:
        """Ask the simulator to inject an anomaly; returns the request's ``injection_id``.

        Parameters
        ----------
        series_id : str
        kind : {"spike", "level_shift", "variance_burst", "flatline"}
        at : timestamp or None
            Time of the first affected point; ``None`` means the next point.
        magnitude : float or None
            In units of the series' spread; ``None`` lets the simulator choose.
        """
        if kind not in tables.INJECTION_KINDS:
            raise ConfigError(
                f"injection `kind` must be one of {', '.join(tables.INJECTION_KINDS)}, got {kind!r}"
            )
        if not isinstance(series_id, str) or not series_id:
            raise ConfigError(
                f"injection `series_id` must be a non-empty string, got {series_id!r}"
            )
        if magnitude is not None and not np.isfinite(magnitude):
            raise ConfigError(f"injection `magnitude` must be a finite number, got {magnitude!r}")
        return int(
            self._request_injection(
                series_id,
                kind,
                tables.instant(at, "at"),
                None if magnitude is None else float(magnitude),
            )
        )

    def read_injections(self, after_id: int | None = None) -> pd.DataFrame:
        """Injection requests with ``injection_id`` above ``after_id``, oldest first.

        Columns ``injection_id`` (int64, increasing, not necessarily
        consecutive), ``series_id``, ``kind``, ``at`` (NaT: the next point),
        ``magnitude`` (NaN: the simulator's choice).
        """
        frame = self._read_injections(None if after_id is None else int(after_id))
        return tables.table_out(frame, "injections")

    # -- retention ----------------------------------------------------------
    def prune(
        self, before: object, tables: str | Iterable[str] = PRUNED_BY_DEFAULT
    ) -> dict[str, int | None]:
        """Delete the rows of ``tables`` whose timestamp is strictly before ``before``.

        Idempotent, and safe while other processes write: on DuckDB it deletes
        in chunks, each one transaction like any write, so the file is never
        held long; on InfluxDB it is one request of ``DELETE`` statements.
        A row's time is its ``timestamp`` (an alert's onset, a label's
        point). ``anomalia stream`` reads only points after its cursor, so
        pruning points it has scored changes none of its answers.

        Parameters
        ----------
        before : timestamp
            The cutoff (naive = UTC); rows at ``before`` or later are kept.
        tables : str or iterable of str, default ("observations", "scores")
            Among ``observations``, ``scores``, ``alerts``, ``labels``.

        Returns
        -------
        dict of str to int or None
            Rows deleted per table, in the order asked; ``None`` where the
            backend cannot tell (InfluxDB's ``DELETE`` answers no count).

        Raises
        ------
        ConfigError
            For an unknown table or a missing cutoff.
        DataError
            For a cutoff that is not a timestamp.
        """
        names = [tables] if isinstance(tables, str) else [str(name) for name in tables]
        unknown = [name for name in names if name not in PRUNABLE]
        if unknown or not names:
            got = repr(unknown[0]) if unknown else "none"
            raise ConfigError(f"`tables` must name some of {', '.join(PRUNABLE)}, got {got}")
        cutoff = _cutoff(before)
        found = self._prune(list(dict.fromkeys(names)), cutoff)
        return {name: found[name] for name in dict.fromkeys(names)}

    # -- catalogue ----------------------------------------------------------
    def series(self) -> list[str]:
        """Sorted ids of the series with observations."""
        return sorted(self._series())

    def detectors(self) -> list[str]:
        """Sorted names of the detectors with scores."""
        return sorted(self._detectors())

    def latest(self, series_id: SeriesIds = None) -> dict[str, pd.Timestamp]:
        """{series_id: timestamp of its last observation} (UTC), for the series asked."""
        found = self._latest(tables.series_ids(series_id))
        return {s: pd.Timestamp(int(t), unit="ns", tz="UTC") for s, t in sorted(found.items())}

    def close(self) -> None:
        """Release the store's resources; the object is unusable after."""
        return None  # a DuckDB store holds no connection between calls

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"

    # -- shared plumbing ----------------------------------------------------
    def _write_table(self, frame: pd.DataFrame, table: str) -> int:
        rows = tables.table_in(frame, table)
        if len(rows):
            self._write(table, rows)
        return len(rows)

    def _read_filtered(
        self,
        table: str,
        series_id: SeriesIds,
        detector: str | Iterable[str] | None,
        start: object,
        end: object,
    ) -> pd.DataFrame:
        frame = self._read(
            table,
            tables.series_ids(series_id),
            tables.series_ids(detector),
            tables.instant(start, "start"),
            tables.instant(end, "end"),
        )
        return tables.table_out(frame, table)

    # -- what a backend writes ----------------------------------------------
    @abstractmethod
    def _write_observations(self, rows: pd.DataFrame) -> None:
        """Upsert checked rows (timestamps int64 ns, unique keys)."""

    @abstractmethod
    def _read_observations(
        self,
        series_ids: list[str] | None,
        start: int | None,
        end: int | None,
        after: dict[str, int] | None,
    ) -> pd.DataFrame:
        """Rows in any order; timestamps as int64 ns or naive datetimes."""

    @abstractmethod
    def _write(self, table: str, rows: pd.DataFrame) -> None:
        """Upsert checked rows of ``scores``, ``alerts`` or ``labels``."""

    @abstractmethod
    def _read(
        self,
        table: str,
        series_ids: list[str] | None,
        detectors: list[str] | None,
        start: int | None,
        end: int | None,
    ) -> pd.DataFrame:
        """Rows of ``table`` matching the filters, in any order."""

    @abstractmethod
    def _prune(self, tables: list[str], before: int) -> dict[str, int | None]:
        """Delete rows of ``tables`` timed before ``before`` (int64 ns); counts or ``None``."""

    @abstractmethod
    def _request_injection(
        self, series_id: str, kind: str, at: int | None, magnitude: float | None
    ) -> int: ...

    @abstractmethod
    def _read_injections(self, after_id: int | None) -> pd.DataFrame: ...

    @abstractmethod
    def _series(self) -> list[str]: ...

    @abstractmethod
    def _detectors(self) -> list[str]: ...

    @abstractmethod
    def _latest(self, series_ids: list[str] | None) -> dict[str, int]: ...


def _cutoff(before: object) -> int:
    """int64 ns of :meth:`Store.prune`'s cutoff, which must be given."""
    cutoff = tables.instant(before, "before")
    if cutoff is None:
        raise ConfigError(f"`before` must be a timestamp, got {before!r}")
    return cutoff


def describe_pruned(counts: dict[str, int | None]) -> str:
    """``"observations 120, scores 240"`` from :meth:`Store.prune`'s answer (``?``: not told)."""
    return ", ".join(f"{table} {'?' if n is None else n}" for table, n in counts.items())
