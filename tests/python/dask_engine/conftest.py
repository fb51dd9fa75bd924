"""One LocalCluster of 2 worker processes for the whole folder: it takes seconds to start."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")

from anomalia.distributed.cluster import open_client  # noqa: E402

# The live tests' zscore model set (a session fixture), streamed by test_stream_cli too.
from live.conftest import stream_models  # noqa: E402, F401


@pytest.fixture(scope="session")
def client():
    """A client of a real LocalCluster (2 processes, 1 thread each), shut down at the end."""
    with open_client(None, workers=2) as connected:
        connected.wait_for_workers(2, timeout=120)
        yield connected


def make_observations(n_series: int, length: int, seed: int = 0) -> pd.DataFrame:
    """Noisy sines with a spike each, 5-minute steps, in the contract's columns."""
    rng = np.random.default_rng(seed)
    frames = []
    for index in range(n_series):
        time = np.arange(length)
        values = np.sin(2 * np.pi * time / 48 + index) + 0.3 * rng.normal(size=length)
        values[length * 3 // 4] += 6.0
        frames.append(
            pd.DataFrame(
                {
                    "series_id": f"s{index:02d}",
                    "timestamp": pd.date_range(
                        "2024-01-01", periods=length, freq="5min", tz="UTC"
                    ).as_unit("ns"),
                    "value": values,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
