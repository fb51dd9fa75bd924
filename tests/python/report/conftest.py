"""Fixtures for the report tests: small labelled data and simple scores.

Matplotlib is the slow part, so the data are short and the reports small.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from anomalia.synthetic import SyntheticData, generate

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _residual_scores(observations: pd.DataFrame, detector: str) -> pd.DataFrame:
    """|value - rolling median| per series, flagged above a per-series quantile."""
    grouped = observations.groupby("series_id")["value"]
    median = grouped.transform(lambda v: v.rolling(9, center=True, min_periods=1).median())
    score = (observations["value"] - median).abs()
    threshold = score.groupby(observations["series_id"]).transform(lambda s: s.quantile(0.97))
    return pd.DataFrame(
        {
            "series_id": observations["series_id"],
            "timestamp": observations["timestamp"],
            "detector": detector,
            "score": score.astype(np.float64),
            "threshold": threshold.astype(np.float64),
            "is_anomaly": (score > threshold).to_numpy(),
        }
    )


@pytest.fixture(scope="session")
def report_data() -> SyntheticData:
    """Two short labelled series."""
    return generate(n_series=2, length=300, seed=4)


@pytest.fixture(scope="session")
def make_scores() -> Callable[[pd.DataFrame, str], pd.DataFrame]:
    """Factory of contract scores for the given observations and detector name."""
    return _residual_scores


@pytest.fixture
def is_png() -> Callable[[object], bool]:
    """Whether a file starts with the PNG signature."""

    def check(path) -> bool:
        with open(path, "rb") as handle:
            return handle.read(len(PNG_MAGIC)) == PNG_MAGIC

    return check
