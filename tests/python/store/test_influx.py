"""What is special to the InfluxDB backend."""

from __future__ import annotations

import uuid

import numpy as np
import pandas as pd
import pytest

from anomalia.store import open_store

T0 = pd.Timestamp("2024-03-01 12:00", tz="UTC")


def _observations(series: str, n: int, *, start: int = 0) -> pd.DataFrame:
    seconds = np.arange(start, start + n)
    return pd.DataFrame(
        {"series_id": series, "timestamp": T0 + pd.to_timedelta(seconds, unit="s"), "value": 1.0}
    )


def test_a_series_written_while_polling_is_read_whole(influx_url, monkeypatch):
    url = influx_url.replace("anomalia_test", f"anomalia_test_{uuid.uuid4().hex[:12]}")
    with open_store(url) as store:
        store.write_observations(_observations("a", 5))
        cursor = store.latest()
        store.write_observations(pd.concat([_observations("a", 1, start=5), _observations("b", 5)]))
        # The series list the poll starts from was taken before `b` was written.
        listings = iter([["a"]])
        monkeypatch.setattr(store, "_series", lambda: next(listings, ["a", "b"]))
        new = store.read_observations(after=cursor)
        assert new.groupby("series_id").size().to_dict() == {"a": 1, "b": 5}
        assert new.query("series_id == 'b'")["timestamp"].min() == T0
        store._client.drop_database(store.database)


def test_local_influxd_names_the_package_when_missing(tmp_path, monkeypatch):
    from anomalia.exceptions import MissingDependencyError
    from anomalia.store import server

    monkeypatch.setattr(server, "influxd_path", lambda: None)
    with pytest.raises(MissingDependencyError, match="apt-get install influxdb"):
        with server.local_influxd(tmp_path):
            pass


def test_an_unreachable_server_is_named():
    from anomalia.exceptions import StoreError
    from anomalia.store.server import free_port

    with pytest.raises(StoreError, match="cannot reach the InfluxDB server"):
        open_store(f"influxdb://127.0.0.1:{free_port()}/nothing", timeout=2)


def test_a_value_of_another_type_is_a_data_error(influx_url):
    from anomalia.exceptions import DataError

    url = influx_url.replace("anomalia_test", f"anomalia_test_{uuid.uuid4().hex[:12]}")
    with open_store(url) as store:
        store.write_observations(_observations("a", 2))
        flags = _observations("a", 1, start=2).assign(value=True)
        with pytest.raises(DataError, match="the server refused the data.*field type conflict"):
            store.write_observations(flags)
        store._client.drop_database(store.database)


def test_credentials_in_the_url_and_a_user_who_may_not_create_the_database(tmp_path):
    from influxdb import InfluxDBClient

    from anomalia.exceptions import StoreError
    from anomalia.store.server import local_influxd

    with local_influxd(tmp_path, "live", auth=True) as url:
        host, port = url.removeprefix("influxdb://").split("/")[0].split(":")
        admin = InfluxDBClient(host, int(port))
        admin.query("CREATE USER admin WITH PASSWORD 'secret' WITH ALL PRIVILEGES")
        admin = InfluxDBClient(host, int(port), "admin", "secret")
        admin.create_database("live")
        admin.query("CREATE USER writer WITH PASSWORD 'pen'")
        admin.query('GRANT ALL ON "live" TO "writer"')
        with open_store(f"influxdb://writer:pen@{host}:{port}/live") as store:
            store.write_observations(_observations("a", 2))  # the database exists: fine
            assert store.series() == ["a"]
        with pytest.raises(StoreError, match="refused the credentials"):
            open_store(f"influxdb://writer:wrong@{host}:{port}/live")
