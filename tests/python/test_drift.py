"""Population stability index and Kolmogorov-Smirnov statistic against a reference summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from anomalia.drift import ColumnReference, drift_table


def test_psi_by_hand():
    reference = ColumnReference.from_values(np.arange(1.0, 101.0))  # deciles 10.9, 20.8, ...
    assert reference.shares == pytest.approx([0.1] * 10)
    # Everything in the top bin: (1 - 0.1) ln(1 / 0.1) + 9 (1e-4 - 0.1) ln(1e-4 / 0.1)
    expected = 0.9 * np.log(10) + 9 * (1e-4 - 0.1) * np.log(1e-3)
    assert reference.psi(np.full(50, 1000.0)) == pytest.approx(expected)
    assert reference.psi(np.arange(1.0, 101.0)) == pytest.approx(0.0)


def test_ks_close_to_the_two_sample_statistic():
    rng = np.random.default_rng(0)
    train, new = rng.normal(size=5000), rng.normal(0.5, 1.0, size=400)
    reference = ColumnReference.from_values(train)
    exact = stats.ks_2samp(train, new).statistic
    assert reference.ks(new) == pytest.approx(exact, abs=0.02)
    assert reference.ks(rng.normal(size=400)) < 0.1


def test_drift_table_skips_short_and_unknown():
    frame = pd.DataFrame({"series_id": ["a"] * 5 + ["b"] * 50, "value": np.arange(55.0)})
    references = {"a": {"value": ColumnReference.from_values(np.arange(100.0))}}
    assert drift_table(frame, references, min_points=10).empty
    table = drift_table(frame, references, min_points=1)
    assert table[["series_id", "feature", "n"]].values.tolist() == [["a", "value", 5]]
