"""The server store: an InfluxDB 1.x database.

Each table is a measurement whose tags are its text keys (``series_id``, and
``detector`` for scores and alerts) and whose time is the row's timestamp; the
other columns are fields. InfluxDB keys a point by measurement, tags and time,
so writing the same key again overwrites it: the idempotence the interface
promises comes from the database itself. An observation whose values are all
missing is kept as a point with the field ``_missing`` (InfluxDB stores no
NaN). Injection requests are points timed at the request, and that time in
nanoseconds is their ``injection_id``.

The server must answer queries whole: leave ``[http] max-row-limit`` at 0.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from anomalia.exceptions import DataError, MissingDependencyError, StoreError
from anomalia.store.base import Store

_TAGS = {
    "observations": ("series_id",),
    "scores": ("series_id", "detector"),
    "alerts": ("series_id", "detector"),
    "labels": ("series_id",),
    "injections": ("series_id",),
}
_IDS_PER_STATEMENT = 200
_LARGEST = np.finfo(np.float64).max
_BATCH = 5000


def _tag(values: pd.Series, name: str) -> pd.Series:
    text = values.astype(str)
    bad = text.str.contains("\n", regex=False) | text.str.endswith("\\")
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
        raise DataError(
            f"column `{name}`, row {row}: InfluxDB cannot store {text.iloc[row - 1]!r} "
            "(a line break or a trailing backslash)"
        )
    return (
        text.str.replace(",", r"\,", regex=False)
        .str.replace("=", r"\=", regex=False)
        .str.replace(" ", r"\ ", regex=False)
    )


def _field(values: pd.Series, name: str) -> pd.Series:
    """``name=value`` per row in line protocol; empty where the value is missing."""
    key = name.replace(",", r"\,").replace("=", r"\=").replace(" ", r"\ ")
    if pd.api.types.is_bool_dtype(values):
        text = np.where(values.to_numpy(dtype=bool), "true", "false")
        return pd.Series(key + "=" + text, index=values.index)
    if pd.api.types.is_integer_dtype(values):
        return key + "=" + values.astype(str) + "i"
    if pd.api.types.is_float_dtype(values):
        # InfluxDB stores no infinity: the largest floats stand for it (see _finite_back).
        numbers = np.clip(values.to_numpy(dtype=np.float64), -_LARGEST, _LARGEST)
        text = pd.Series(np.char.mod("%.17g", numbers), index=values.index)
        return (key + "=" + text).where(~np.isnan(numbers), "")
    text = values.astype(str).str.replace("\\", "\\\\", regex=False)
    return key + '="' + text.str.replace('"', '\\"', regex=False) + '"'


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _any_of(name: str, values: Sequence[str]) -> str:
    return "(" + " OR ".join(f'"{name}" = {_quote(v)}' for v in values) + ")"


class _Refused(StoreError, PermissionError):
    """The server refused the credentials (401), or the right to do this (403)."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class InfluxStore(Store):
    """A store in an InfluxDB 1.x database, created when missing.

    Parameters
    ----------
    host, port : str, int
        The server's HTTP API.
    database : str
    username, password : str or None
    timeout : float, default 10
        Seconds an HTTP request may take.
    """

    def __init__(
        self,
        host: str,
        port: int,
        database: str,
        *,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        try:
            from influxdb import InfluxDBClient
        except ImportError:
            raise MissingDependencyError(
                "the InfluxDB store needs the influxdb client: pip install 'anomalia[live]'"
            ) from None
        self.url = f"influxdb://{host}:{port}/{database}"
        self.database = database
        self._client = InfluxDBClient(
            host, port, username or "root", password or "root", database, timeout=timeout
        )
        self._last_injection = 0
        try:
            self._call(self._client.create_database, database)
        except _Refused as error:
            if error.code != 403:
                raise
            # A user without admin rights may not create it: it must exist already.

    def close(self) -> None:
        self._client.close()

    # -- plumbing -----------------------------------------------------------
    def _call(self, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``action(...)`` of the client, its errors as the store's."""
        import requests
        from influxdb.exceptions import InfluxDBClientError, InfluxDBServerError

        try:
            return action(*args, **kwargs)
        except InfluxDBClientError as error:
            if error.code in (401, 403):
                raise _Refused(
                    f"{self.url}: the server refused the credentials or the right to "
                    f"this (user and password go in the URL: influxdb://USER:PASSWORD@HOST:PORT/DB)"
                    f" ({error})",
                    error.code,
                ) from None
            # Any other 4xx: a field written before as another type, say.
            raise DataError(f"{self.url}: the server refused the data ({error})") from None
        except (InfluxDBServerError, requests.RequestException, OSError) as error:
            raise StoreError(f"{self.url}: cannot reach the InfluxDB server ({error})") from None

    def _send(self, lines: pd.Series) -> None:
        lines = lines.tolist()
        for first in range(0, len(lines), _BATCH):
            self._call(
                self._client.write_points,
                lines[first : first + _BATCH],
                protocol="line",
                time_precision="n",
            )

    def _points(self, table: str, rows: pd.DataFrame, fields: Iterable[str]) -> pd.Series:
        head = pd.Series(table, index=rows.index)
        for name in _TAGS[table]:
            head = head + f",{name}=" + _tag(rows[name], name)
        body = pd.Series("", index=rows.index)
        for name in fields:
            part = _field(rows[name], name)
            body = body + np.where(body.ne("") & part.ne(""), ",", "") + part
        body = body.where(body.ne(""), "_missing=true")
        return head + " " + body + " " + rows["timestamp"].astype(np.int64).astype(str)

    def _select(self, statements: list[str]) -> pd.DataFrame:
        """Rows of several ``SELECT`` statements sent in one request, ``time`` as ``timestamp``."""
        frames = []
        for first in range(0, len(statements), 50):
            results = self._call(
                self._client.query,
                "; ".join(statements[first : first + 50]),
                epoch="ns",
                method="POST",
            )
            for result in results if isinstance(results, list) else [results]:
                for series in result.raw.get("series", []):
                    frame = pd.DataFrame(series["values"], columns=series["columns"])
                    for tag, value in series.get("tags", {}).items():
                        frame[tag] = value
                    frames.append(frame)
        if not frames:
            return pd.DataFrame({"timestamp": np.zeros(0, np.int64)})
        frame = pd.concat(frames, ignore_index=True).rename(columns={"time": "timestamp"})
        frame = frame.drop(columns=["_missing"], errors="ignore")
        for name in frame.columns:
            if pd.api.types.is_float_dtype(frame[name]):
                values = frame[name].to_numpy(dtype=np.float64, copy=True)
                largest = np.abs(values) == _LARGEST
                values[largest] = np.copysign(np.inf, values[largest])
                frame[name] = values
        return frame

    @staticmethod
    def _where(
        series_ids: Sequence[str] | None,
        detectors: Sequence[str] | None,
        start: int | None,
        end: int | None,
        after: int | None = None,
    ) -> list[str]:
        """WHERE clauses, one per slice of ``series_ids`` (InfluxQL has no IN)."""
        common = []
        if detectors is not None:
            common.append(_any_of("detector", detectors))
        if start is not None:
            common.append(f"time >= {start}")
        if after is not None:
            common.append(f"time > {after}")
        if end is not None:
            common.append(f"time <= {end}")
        if series_ids is None:
            return [" AND ".join(common)]
        return [
            " AND ".join([_any_of("series_id", series_ids[i : i + _IDS_PER_STATEMENT]), *common])
            for i in range(0, len(series_ids), _IDS_PER_STATEMENT)
        ]

    def _statements(self, table: str, clauses: list[str]) -> list[str]:
        return [f'SELECT * FROM "{table}"' + (f" WHERE {c}" if c else "") for c in clauses]

    # -- writes -------------------------------------------------------------
    def _write_observations(self, rows: pd.DataFrame) -> None:
        fields = [c for c in rows.columns if c not in ("series_id", "timestamp")]
        self._send(self._points("observations", rows, fields))

    def _write(self, table: str, rows: pd.DataFrame) -> None:
        fields = [c for c in rows.columns if c not in (*_TAGS[table], "timestamp")]
        if table == "labels":
            rows = rows.assign(label=rows["label"].astype(np.int64))
        self._send(self._points(table, rows, fields))

    def _prune(self, tables: list[str], before: int) -> dict[str, int | None]:
        # DELETE answers no count, and counting first would scan the rows twice
        # and still miss points written meanwhile.
        statements = "; ".join(f'DELETE FROM "{table}" WHERE time < {before}' for table in tables)
        self._call(self._client.query, statements, method="POST")
        return dict.fromkeys(tables)

    # -- reads --------------------------------------------------------------
    def _read_observations(
        self,
        series_ids: list[str] | None,
        start: int | None,
        end: int | None,
        after: dict[str, int] | None,
    ) -> pd.DataFrame:
        if not after:
            clauses = self._where(series_ids, None, start, end)
            return self._select(self._statements("observations", clauses))
        wanted = self._series() if series_ids is None else series_ids
        # Series sharing an `after` time share statements: polling keeps them few.
        groups: dict[int | None, list[str]] = {}
        for series_id in wanted:
            groups.setdefault(after.get(series_id), []).append(series_id)
        clauses = [
            clause
            for since, ids in groups.items()
            # One group holding every series (the usual poll) needs no series filter.
            for clause in self._where(
                None if series_ids is None and len(ids) == len(wanted) else ids,
                None,
                start,
                end,
                since,
            )
        ]
        if not clauses:
            return pd.DataFrame({"timestamp": np.zeros(0, np.int64)})
        frame = self._select(self._statements("observations", clauses))
        if series_ids is None and len(groups) == 1 and None not in groups:
            # A series written after `wanted` was listed matched only the time filter:
            # read it whole, as a series absent from `after` must be.
            appeared = sorted(set(self._series()) - set(wanted) - set(after))
            if appeared:
                whole = self._read_observations(appeared, start, end, None)
                frame = pd.concat(
                    [frame[~frame["series_id"].isin(appeared)], whole], ignore_index=True
                )
        return frame

    def _read(
        self,
        table: str,
        series_ids: list[str] | None,
        detectors: list[str] | None,
        start: int | None,
        end: int | None,
    ) -> pd.DataFrame:
        if series_ids == [] or detectors == []:
            return pd.DataFrame({"timestamp": np.zeros(0, np.int64)})
        clauses = self._where(series_ids, detectors, start, end)
        frame = self._select(self._statements(table, clauses))
        if table == "labels" and "label" in frame.columns:
            frame["label"] = frame["label"].astype(np.int8)
        return frame

    def _request_injection(
        self, series_id: str, kind: str, at: int | None, magnitude: float | None
    ) -> int:
        injection_id = max(time.time_ns(), self._last_injection + 1)
        self._last_injection = injection_id
        row = pd.DataFrame({"series_id": [series_id], "timestamp": [injection_id]})
        point = f"injections,series_id={_tag(row['series_id'], 'series_id').iloc[0]} "
        fields = [f'kind="{kind}"']
        if at is not None:
            fields.append(f"at={at}i")
        if magnitude is not None:
            fields.append(f"magnitude={magnitude!r}")
        self._send(pd.Series([point + ",".join(fields) + f" {injection_id}"]))
        return injection_id

    def _read_injections(self, after_id: int | None) -> pd.DataFrame:
        where = "" if after_id is None else f" WHERE time > {after_id}"
        frame = self._select([f'SELECT * FROM "injections"{where}'])
        frame = frame.rename(columns={"timestamp": "injection_id"})
        for name in ("series_id", "kind", "at", "magnitude"):
            if name not in frame.columns:
                frame[name] = np.nan
        # Exact nanoseconds: a float column would round them.
        frame["at"] = pd.to_datetime(
            [pd.NaT if pd.isna(v) else pd.Timestamp(int(v), unit="ns") for v in frame["at"]]
        )
        return frame

    # -- catalogue ----------------------------------------------------------
    def _tag_values(self, table: str, key: str) -> list[str]:
        result = self._call(
            self._client.query, f'SHOW TAG VALUES FROM "{table}" WITH KEY = "{key}"'
        )
        return [point["value"] for point in result.get_points()]

    def _series(self) -> list[str]:
        return self._tag_values("observations", "series_id")

    def _detectors(self) -> list[str]:
        return self._tag_values("scores", "detector")

    def _latest(self, series_ids: list[str] | None) -> dict[str, int]:
        if series_ids == []:
            return {}
        statements = [
            f'SELECT * FROM "observations"{" WHERE " + c if c else ""} '
            "GROUP BY series_id ORDER BY time DESC LIMIT 1"
            for c in self._where(series_ids, None, None, None)
        ]
        frame = self._select(statements)
        if "series_id" not in frame.columns:
            return {}
        return dict(zip(frame["series_id"], frame["timestamp"].astype(np.int64), strict=True))
