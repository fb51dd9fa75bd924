"""Ingest of CSV, parquet and NAB files, and the errors bad files get."""

import json

import numpy as np
import pandas as pd
import pytest

from anomalia.contract.ingest import IngestOptions, ingest
from anomalia.exceptions import DataError


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_single_series_csv_gets_series_id_from_file_name(tmp_path):
    path = write(tmp_path, "timestamp,value\n2024-01-01 00:00,1\n2024-01-01 00:05,2.5\n")
    frame = ingest(path)
    assert frame["series_id"].tolist() == ["data", "data"]
    assert frame["timestamp"].iloc[1] == pd.Timestamp("2024-01-01 00:05", tz="UTC")
    assert frame["value"].tolist() == [1.0, 2.5]


def test_offsets_are_converted_to_utc(tmp_path):
    path = write(tmp_path, "timestamp,value\n2024-03-31T01:30+01:00,1\n2024-03-31T03:30+02:00,2\n")
    frame = ingest(path)
    assert frame["timestamp"].tolist() == [
        pd.Timestamp("2024-03-31 00:30", tz="UTC"),
        pd.Timestamp("2024-03-31 01:30", tz="UTC"),
    ]


def test_naive_timestamps_are_read_in_the_given_zone(tmp_path):
    path = write(tmp_path, "timestamp,value\n2024-07-01 12:00,1\n")
    frame = ingest(path, options=IngestOptions(timezone="Europe/Paris"))
    assert frame["timestamp"].iloc[0] == pd.Timestamp("2024-07-01 10:00", tz="UTC")


def test_multi_series_csv_keeps_columns_and_labels(tmp_path):
    path = write(
        tmp_path,
        "series_id,timestamp,cpu,mem,label\n"
        "a,2024-01-01 00:00,1,5,0\na,2024-01-01 00:01,2,,1\nb,2024-01-01 00:00,3,6,0\n",
    )
    frame = ingest(path)
    assert list(frame.columns) == ["series_id", "timestamp", "cpu", "mem", "label"]
    assert frame["label"].dtype == np.int8
    assert np.isnan(frame["mem"].iloc[1])


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("time,value\n2024-01-01,1\n", "missing column `timestamp`"),
        (
            "timestamp,value\n2024-01-01,1\nnot a date,2\n",
            "column `timestamp`, row 2: expected an ISO 8601",
        ),
        ("timestamp,value\n2024-01-01T00:00Z,1\n2024-01-01T00:05,2\n", "mixed timezones: row 2"),
        (
            "timestamp,value\n2024-01-01,1\n2024-01-02,abc\n",
            "column `value`, row 2: expected a number, got 'abc'",
        ),
        (
            "timestamp,value\n2024-01-01,1\n2024-01-02,inf\n",
            "column `value`, row 2: expected a finite number",
        ),
        ("timestamp,value\n2024-01-01,1\n2024-01-01,2\n", "row 2: duplicate timestamp"),
        ("timestamp,value\n2024-01-02,1\n2024-01-01,2\n", "row 2: timestamp 2024-01-01"),
        ("timestamp,value\n2024-01-01,\n2024-01-02,\n", "has no values (all missing)"),
        ("timestamp,value\n", "no rows"),
        ("", "the file is empty"),
        ("timestamp,host\n2024-01-01,web1\n", "column `host`, row 1: expected a number"),
    ],
)
def test_bad_csv_gets_a_specific_error(tmp_path, text, fragment):
    path = write(tmp_path, text)
    with pytest.raises(DataError, match=None) as caught:
        ingest(path)
    assert fragment in str(caught.value)
    assert str(caught.value).startswith(str(path))


def test_missing_file_is_named(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        ingest(tmp_path / "absent.csv")


def test_sort_and_deduplicate_repair_on_request(tmp_path):
    path = write(tmp_path, "timestamp,value\n2024-01-02,1\n2024-01-01,2\n2024-01-01,4\n")
    frame = ingest(path, options=IngestOptions(sort=True, deduplicate="mean"))
    assert frame["value"].tolist() == [3.0, 1.0]


def test_nab_file_gets_labels_from_windows(tmp_path):
    folder = tmp_path / "realTraffic"
    folder.mkdir()
    path = write(
        folder,
        "timestamp,value\n2015-01-01 00:00:00,1\n2015-01-01 00:05:00,9\n2015-01-01 00:10:00,1\n",
        name="speed_1.csv",
    )
    windows = tmp_path / "combined_windows.json"
    windows.write_text(
        json.dumps(
            {
                "realTraffic/speed_1.csv": [
                    ["2015-01-01 00:05:00.000000", "2015-01-01 00:05:00.000000"]
                ]
            }
        )
    )
    frame = ingest(path, "nab", IngestOptions(nab_labels=windows))
    assert frame["series_id"].iloc[0] == "speed_1"
    assert frame["label"].tolist() == [0, 1, 0]


def test_parquet_with_naive_timestamps_is_localised(tmp_path):
    path = tmp_path / "x.parquet"
    pd.DataFrame(
        {"timestamp": pd.date_range("2024-01-01", periods=3, freq="h"), "value": [1.0, 2, 3]}
    ).to_parquet(path)
    frame = ingest(path, options=IngestOptions(series_id="s1"))
    assert str(frame["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert frame["series_id"].unique().tolist() == ["s1"]
