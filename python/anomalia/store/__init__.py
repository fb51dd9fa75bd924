"""The live stack's time-series store: one interface, a backend chosen by URL.

``duckdb:///data/live.duckdb`` (a file, relative path; ``duckdb:////abs/path``
for an absolute one) needs no server; ``influxdb://HOST:PORT/DATABASE`` talks
to an InfluxDB 1.x server. See :class:`~anomalia.store.base.Store` for the
methods and ``docs/live.md`` for how several processes share a store.

Examples
--------
>>> from anomalia.store import open_store
>>> with open_store("duckdb:///data/live.duckdb") as store:  # doctest: +SKIP
...     store.write_observations(frame)
...     new = store.read_observations(after=store.latest())
"""

from __future__ import annotations

from urllib.parse import urlsplit

from anomalia.exceptions import ConfigError
from anomalia.store.base import Store, describe_pruned
from anomalia.store.tables import INJECTION_KINDS, alert_id

__all__ = ["INJECTION_KINDS", "Store", "alert_id", "describe_pruned", "open_store"]

SCHEMES = ("duckdb", "influxdb")
_USAGE = (
    "expected duckdb:///relative/path.duckdb, duckdb:////absolute/path.duckdb "
    "or influxdb://HOST:PORT/DATABASE"
)


def open_store(url: str, *, lock_timeout: float = 30.0, timeout: float = 10.0) -> Store:
    """Open the store named by ``url``.

    Parameters
    ----------
    url : str
        ``duckdb:///PATH`` or ``influxdb://[USER:PASSWORD@]HOST:PORT/DATABASE``.
    lock_timeout : float, default 30
        DuckDB: seconds a call waits while another process holds the file.
    timeout : float, default 10
        InfluxDB: seconds an HTTP request may take.

    Raises
    ------
    ConfigError
        For a URL of another scheme or without a path or database.
    StoreError
        When the store cannot be opened or reached.
    """
    if not isinstance(url, str):
        raise ConfigError(f"store URL must be a string, got {url!r}; {_USAGE}")
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "duckdb":
        path = url[len("duckdb:///") :] if url.lower().startswith("duckdb:///") else ""
        if not path:
            raise ConfigError(f"store URL {url!r} names no file; {_USAGE}")
        from anomalia.store.duckdb import DuckDBStore

        return DuckDBStore(path, lock_timeout=lock_timeout)
    if scheme == "influxdb":
        parts = urlsplit(url)
        database = parts.path.strip("/")
        try:
            port = parts.port
        except ValueError:
            port = None
        if not parts.hostname or port is None or not database or "/" in database:
            raise ConfigError(f"store URL {url!r} needs a host, a port and a database; {_USAGE}")
        from anomalia.store.influx import InfluxStore

        return InfluxStore(
            parts.hostname,
            port,
            database,
            username=parts.username,
            password=parts.password,
            timeout=timeout,
        )
    raise ConfigError(
        f"store URL {url!r}: unknown scheme; expected one of {', '.join(SCHEMES)} ({_USAGE})"
    )
