"""Small observation frames with known holes for the preprocess tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

START = pd.Timestamp("2024-01-01", tz="UTC")


def build_frame(series: dict[str, tuple[pd.DatetimeIndex, np.ndarray]]) -> pd.DataFrame:
    """Observations frame from ``{series_id: (timestamps, values)}``."""
    parts = [
        pd.DataFrame(
            {
                "series_id": series_id,
                "timestamp": timestamps,
                "value": np.asarray(values, dtype=np.float64),
                "label": np.zeros(len(timestamps), dtype=np.int8),
            }
        )
        for series_id, (timestamps, values) in series.items()
    ]
    return pd.concat(parts, ignore_index=True)


@pytest.fixture
def make_frame() -> Callable[..., pd.DataFrame]:
    return build_frame


@pytest.fixture
def minute_series_with_hole() -> pd.DataFrame:
    """100 one-minute points of series `a` with points 40-49 removed."""
    timestamps = pd.date_range(START, periods=100, freq="1min")
    values = np.sin(np.arange(100) / 5.0)
    keep = np.ones(100, dtype=bool)
    keep[40:50] = False
    return build_frame({"a": (timestamps[keep], values[keep])})
