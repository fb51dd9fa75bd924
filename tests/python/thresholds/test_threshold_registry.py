from __future__ import annotations

import pytest

from anomalia.exceptions import ConfigError
from anomalia.thresholds import (
    DynamicThreshold,
    PeaksOverThreshold,
    QuantileThreshold,
    StaticThreshold,
    StreamingPOT,
    make_threshold,
)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"method": "static", "value": 3.0}, StaticThreshold(value=3.0)),
        ({"method": "quantile", "contamination": 0.01}, QuantileThreshold(contamination=0.01)),
        (
            {"method": "pot", "risk": 1e-4, "initial_quantile": 0.98},
            PeaksOverThreshold(risk=1e-4, initial_quantile=0.98),
        ),
        ({"method": "spot", "refit_every": 5}, StreamingPOT(refit_every=5)),
        ({"method": "dynamic", "window": 100}, DynamicThreshold(window=100)),
        ("pot", PeaksOverThreshold()),
    ],
)
def test_specs_build_the_named_class_with_its_parameters(spec, expected):
    threshold = make_threshold(spec)
    assert type(threshold) is type(expected)
    assert threshold.get_params() == expected.get_params()


def test_the_spec_is_not_modified():
    spec = {"method": "quantile", "contamination": 0.05}
    make_threshold(spec)
    assert spec == {"method": "quantile", "contamination": 0.05}


def test_unknown_method_lists_the_valid_ones():
    with pytest.raises(
        ConfigError,
        match="unknown threshold method 'iqr'; choose one of: "
        "budget, dynamic, pot, quantile, spot, static",
    ):
        make_threshold({"method": "iqr"})


def test_missing_method_is_explained():
    with pytest.raises(ConfigError, match="has no `method`"):
        make_threshold({"risk": 0.1})


def test_unknown_parameter_lists_the_valid_ones():
    with pytest.raises(
        ConfigError, match="`pot` has no parameter `q`; valid parameters: risk, initial_quantile"
    ):
        make_threshold({"method": "pot", "q": 1e-3})


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"method": "static", "value": "high"}, "`value` must be a number in \\(-inf, inf\\)"),
        (
            {"method": "quantile", "contamination": 0.0},
            "`contamination` must be a number in \\(0.0, 0.5\\], got 0.0",
        ),
        (
            {"method": "quantile", "contamination": 0.7},
            "`contamination` must be a number in \\(0.0, 0.5\\], got 0.7",
        ),
        (
            {"method": "pot", "risk": 0.05},
            "`risk` \\(0.05\\) must be below 1 - initial_quantile \\(0.02\\)",
        ),
        (
            {"method": "pot", "initial_quantile": 1.0},
            "`initial_quantile` must be a number in \\(0.0, 1.0\\)",
        ),
        ({"method": "spot", "refit_every": 0}, "`refit_every` must be an integer >= 1, got 0"),
        ({"method": "dynamic", "window": 1}, "`window` must be an integer >= 2, got 1"),
        (
            {"method": "dynamic", "window": 10, "step": 20},
            "`step` \\(20\\) must not exceed `window` \\(10\\)",
        ),
        ({"method": "dynamic", "smoothing": 0}, "`smoothing` must be an integer >= 1, got 0"),
        (
            {"method": "dynamic", "z_range": (5, 2)},
            "`z_range\\[1\\]` must be a number in \\[5, inf\\), got 2",
        ),
        ({"method": "dynamic", "z_range": 3}, "`z_range` must be a pair \\(low, high\\)"),
        (
            {"method": "dynamic", "min_decrease": 1.0},
            "`min_decrease` must be a number in \\[0.0, 1.0\\)",
        ),
    ],
)
def test_bad_values_give_the_documented_messages(spec, message):
    with pytest.raises(ConfigError, match=message):
        make_threshold(spec)


def test_parameters_set_after_construction_are_checked_at_use():
    threshold = QuantileThreshold().set_params(contamination=2.0)
    with pytest.raises(ConfigError, match="`contamination` must be a number"):
        threshold.fit([1.0, 2.0])
    with pytest.raises(
        ConfigError, match="has no parameter `risk`; valid parameters: contamination"
    ):
        threshold.set_params(risk=0.1)
