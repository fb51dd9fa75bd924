from __future__ import annotations

import numpy as np
import pytest

from anomalia.exceptions import ConfigError, DataError, NotFittedError
from anomalia.preprocess import make_scaler


@pytest.fixture
def train() -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.column_stack([rng.normal(5.0, 2.0, 500), rng.exponential(3.0, 500)])


def test_standard_scaler_standardises_training_data(train):
    scaled = make_scaler("standard").fit_transform(train)
    np.testing.assert_allclose(scaled.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(scaled.std(axis=0), 1.0)


def test_minmax_scaler_maps_training_range_to_unit_interval(train):
    scaled = make_scaler("minmax").fit_transform(train)
    np.testing.assert_allclose(scaled.min(axis=0), 0.0)
    np.testing.assert_allclose(scaled.max(axis=0), 1.0)


def test_robust_scaler_uses_median_and_iqr_and_ignores_outliers():
    values = np.r_[np.arange(1.0, 100.0), 1e6]
    scaler = make_scaler("robust").fit(values)
    median, q1, q3 = np.percentile(values, [50, 25, 75])
    assert scaler.center_[0] == median
    assert scaler.scale_[0] == q3 - q1


@pytest.mark.parametrize("kind", ["standard", "robust", "minmax", "none"])
def test_inverse_transform_undoes_transform(train, kind):
    scaler = make_scaler(kind).fit(train)
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(train)), train)


@pytest.mark.parametrize("kind", ["standard", "robust", "minmax"])
def test_a_constant_series_never_divides_by_zero(kind):
    constant = np.full(50, 0.1 + 0.2)  # not exactly representable
    scaler = make_scaler(kind).fit(constant)
    assert scaler.scale_[0] == 1.0
    out = scaler.transform(np.array([0.3, 1.3]))
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, [0.3, 1.3] - scaler.center_)


def test_new_data_is_scaled_with_the_training_statistics(train):
    scaler = make_scaler("standard").fit(train)
    test = train + 10.0
    np.testing.assert_allclose(
        scaler.transform(test), scaler.transform(train) + 10.0 / scaler.scale_
    )


def test_nans_are_ignored_in_fit_and_kept_in_transform():
    scaler = make_scaler("standard").fit(np.array([1.0, np.nan, 3.0]))
    assert scaler.center_[0] == 2.0
    out = scaler.transform(np.array([np.nan, 3.0]))
    assert np.isnan(out[0]) and out[1] == 1.0


def test_shape_of_the_input_is_kept(train):
    scaler = make_scaler("standard").fit(train[:, 0])
    assert scaler.transform(train[:, 0]).shape == (500,)


def test_using_an_unfitted_scaler_says_call_fit_first():
    with pytest.raises(NotFittedError, match="call fit first"):
        make_scaler("robust").transform(np.ones(3))


def test_feature_count_must_match_fit(train):
    scaler = make_scaler("standard").fit(train)
    with pytest.raises(DataError, match="expected 2 feature\\(s\\) as in fit, got 1"):
        scaler.transform(train[:, 0])


def test_all_missing_feature_cannot_be_fitted():
    with pytest.raises(DataError, match="feature 1 has no finite value"):
        make_scaler("standard").fit(np.array([[1.0, np.nan], [2.0, np.nan]]))


def test_unknown_kind_lists_the_valid_ones():
    with pytest.raises(ConfigError, match="`kind` must be one of standard, robust, minmax, none"):
        make_scaler("zscore")
