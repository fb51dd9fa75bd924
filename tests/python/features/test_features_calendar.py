"""Calendar features from timestamps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomalia.exceptions import DataError
from anomalia.features import calendar_features


def test_hour_weekday_and_weekend_of_known_timestamps():
    features, names = calendar_features(["2024-01-06 06:00", "2024-01-08 18:00"])
    saturday, monday = (dict(zip(names, row, strict=True)) for row in features)
    assert saturday["weekend"] == 1.0 and monday["weekend"] == 0.0
    assert saturday["hour_sin"] == pytest.approx(1.0)  # 06:00 is a quarter turn
    assert monday["hour_sin"] == pytest.approx(-1.0)
    assert (monday["weekday_sin"], monday["weekday_cos"]) == pytest.approx((0.0, 1.0))


def test_midnight_sits_next_to_the_minute_before():
    features, _ = calendar_features(pd.to_datetime(["2024-01-01 23:59", "2024-01-02 00:00"]))
    assert np.abs(features[0, :2] - features[1, :2]).max() < 0.01


def test_unreadable_or_missing_timestamps_are_refused():
    with pytest.raises(DataError, match="expected datetime-like values"):
        calendar_features(["noon"])
    with pytest.raises(DataError, match="row 2 is missing"):
        calendar_features(["2024-01-01", None])
