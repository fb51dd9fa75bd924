"""The NAB table's judged MSE: the expectation's error after the probationary period."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomalia.bench.nab import format_table, judged_mse, run_nab
from anomalia.detectors.statistical import RollingZScore
from anomalia.metrics.nab import nab_probationary_period


class LastValueZScore(RollingZScore):
    """A z-score detector that expects each row to repeat the one before."""

    def expected(self, X):
        values = np.asarray(X, dtype=float)
        out = np.full(values.shape, np.nan)
        out[1:] = values[:-1]
        return out


def test_judged_mse_is_the_error_after_probation_in_units_of_the_probationary_iqr():
    values = np.tile([0.0, 1.0, 2.0, 3.0], 100)  # IQR 1.5 on any whole number of cycles
    probation = nab_probationary_period(len(values))
    detector = LastValueZScore(window=8).fit(values[:probation])
    errors = (values[probation - 1 : -1] - values[probation:]) / 1.5
    assert judged_mse(detector, values) == pytest.approx(np.mean(errors**2))


def test_judged_mse_is_nan_without_an_expectation_or_a_fit():
    values = np.sin(np.arange(400.0))
    assert np.isnan(judged_mse(RollingZScore(window=8).fit(values[:60]), values))
    assert np.isnan(judged_mse(LastValueZScore(window=8), values))


def test_the_table_and_summary_carry_the_judged_mse(nab_corpus, tmp_path):
    (row,) = run_nab(nab_corpus, tmp_path / "out", ["zscore"], jobs=1, progress=False)
    assert np.isnan(row.judged_mse)  # zscore expects nothing
    assert pd.read_csv(tmp_path / "out" / "summary.csv")["judged_mse"].isna().all()
    table = format_table([row, row.__class__(**{**row.__dict__, "judged_mse": 0.0123})])
    assert "| MSE (judged) |" in table.splitlines()[0]
    assert table.splitlines()[2].endswith("| — |") and table.splitlines()[3].endswith("| 0.0123 |")
