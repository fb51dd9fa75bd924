"""expectation_mse: the error of a forecast or reconstruction, in units of the training IQR."""

from __future__ import annotations

import numpy as np
import pytest

from anomalia.metrics.expectation import expectation_mse


def test_errors_are_in_units_of_the_iqr_of_the_rows_before_start():
    actual = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 10.0, 10.0])
    expected = np.array([np.nan, 1.0, 2.0, 3.0, 4.0, 8.0, 11.0])
    # IQR of the first five rows: 3 - 1 = 2; judged errors -2 and 1 are -1 and 0.5 units.
    assert expectation_mse(actual, expected, start=5) == pytest.approx((1.0 + 0.25) / 2)
    # From row 0: the NaN row is left out, the unit is the IQR of all rows (7 - 1.5).
    assert expectation_mse(actual, expected) == pytest.approx((4 + 1) / 5.5**2 / 6)


def test_a_given_unit_per_column_and_nothing_to_judge():
    actual = np.zeros((4, 2))
    expected = np.array([[1.0, 1.0]] * 4)
    assert expectation_mse(actual, expected, unit=np.array([1.0, 2.0])) == pytest.approx(0.625)
    assert np.isnan(expectation_mse(actual, np.full((4, 2), np.nan)))
    # A constant series has IQR 0, taken as 1.
    assert expectation_mse(np.zeros(4), np.ones(4), start=2) == pytest.approx(1.0)
