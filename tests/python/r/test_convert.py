"""pandas <-> R conversions keep UTC timestamps and missing values exact."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("rpy2", reason="the R bridge needs rpy2: pip install 'anomalia[r]'")

from anomalia.exceptions import DataError  # noqa: E402
from anomalia.r.convert import from_r_frame, to_r_frame  # noqa: E402
from anomalia.r.session import robjects  # noqa: E402


@pytest.fixture
def frame() -> pd.DataFrame:
    stamps = pd.to_datetime(
        [
            "2024-03-01 00:00:00.000001",
            "2024-03-01 01:30:00.123456",
            None,
            "2038-01-19 03:14:08.000000",
        ],
        utc=True,
    ).as_unit("ns")
    return pd.DataFrame(
        {
            "series_id": ["cpu", None, "cpu", "é ünïcode"],
            "timestamp": stamps,
            "value": [1.5, np.nan, -0.0, 1e300],
            "label": np.array([0, 1, 0, 0], dtype=np.int64),
            "value_imputed": [False, True, False, False],
        }
    )


def test_round_trip_is_exact(frame):
    back = from_r_frame(to_r_frame(frame))
    assert list(back.columns) == list(frame.columns)
    assert str(back["timestamp"].dtype) == "datetime64[ns, UTC]"
    pd.testing.assert_series_equal(back["timestamp"], frame["timestamp"])
    np.testing.assert_array_equal(back["value"].to_numpy(), frame["value"].to_numpy())
    assert back["series_id"].tolist() == frame["series_id"].tolist()
    assert back["label"].tolist() == [0, 1, 0, 0]
    assert back["value_imputed"].tolist() == [False, True, False, False]


def test_r_sees_utc_posixct_and_na(frame):
    ro = robjects()
    r_frame = to_r_frame(frame)
    timestamp = r_frame.rx2("timestamp")
    assert list(timestamp.rclass) == ["POSIXct", "POSIXt"]
    assert ro.r["attr"](timestamp, "tzone")[0] == "UTC"
    assert ro.r["format"](timestamp, "%Y-%m-%d %H:%M:%OS6")[1] == "2024-03-01 01:30:00.123456"
    # pandas NaN is R's NA (not NaN), and a missing string is NA_character_.
    assert list(ro.r["is.na"](r_frame.rx2("value"))) == [False, True, False, False]
    assert list(ro.r["is.nan"](r_frame.rx2("value"))) == [False, False, False, False]
    assert list(ro.r["is.na"](r_frame.rx2("series_id"))) == [False, True, False, False]
    assert list(ro.r["is.na"](timestamp)) == [False, False, True, False]


def test_naive_timestamps_are_refused(frame):
    naive = frame.assign(timestamp=frame["timestamp"].dt.tz_localize(None))
    with pytest.raises(DataError, match="column `timestamp`: timestamps have no timezone"):
        to_r_frame(naive)
