"""The R detectors and imputers behind the Python interfaces, through rpy2.

The registry conformance test (tests/python/detectors) covers fit/score/
save/load of `sarima` and `stl`; these tests cover what is special to the bridge.
"""

from __future__ import annotations

import gc
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("rpy2", reason="the R bridge needs rpy2: pip install 'anomalia[r]'")

from anomalia.detectors.registry import make_detector  # noqa: E402
from anomalia.exceptions import ConfigError, DataError  # noqa: E402
from anomalia.r.impute import impute_r  # noqa: E402

from .conftest import ROOT  # noqa: E402


def _sine(n: int, period: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.sin(2 * np.pi * np.arange(n) / period) + 0.3 * rng.normal(size=n)


def test_sarima_detects_the_period_and_the_spike():
    train, test = _sine(360, 24, 1), _sine(360, 24, 2)
    test[250] += 6
    detector = make_detector("sarima").fit(train)
    scores = detector.score(test)
    assert int(np.argmax(scores)) == 250
    assert detector.predict(test, np.quantile(detector.calibration_scores(train), 0.99))[250] == 1
    assert detector.causal
    # Scores at t use rows up to t only.
    np.testing.assert_array_equal(detector.score(test[:200]), scores[:200])


def test_r_argument_errors_become_config_errors():
    with pytest.raises(ConfigError, match="`max_order` must be a whole number >= 0, not -1"):
        make_detector("sarima", max_order=-1).fit(_sine(100, 12, 1))
    with pytest.raises(ConfigError, match='`seasonal_window` must be "periodic" or an odd'):
        make_detector("stl", seasonal_window=4).fit(_sine(100, 12, 1))


def test_seasonal_imputation_in_r_flags_what_it_filled():
    values = _sine(240, 24, 3)
    truth = values.copy()
    values[[30, 31, 32, 100]] = np.nan
    frame = pd.DataFrame(
        {
            "series_id": "a",
            "timestamp": pd.date_range("2024-01-01", periods=240, freq="h", tz="UTC"),
            "value": values,
        }
    )
    filled = impute_r(frame, method="seasonal", period=24)
    assert filled["value_imputed"].to_numpy().nonzero()[0].tolist() == [30, 31, 32, 100]
    assert not filled["value"].isna().any()
    np.testing.assert_array_equal(filled["value"][~frame["value"].isna()], truth[~np.isnan(values)])
    pd.testing.assert_series_equal(
        filled["timestamp"], frame["timestamp"].astype("datetime64[ns, UTC]")
    )
    assert np.abs(filled["value"][[30, 31, 32]] - truth[[30, 31, 32]]).max() < 1.0


def test_r_data_errors_become_data_errors():
    frame = pd.DataFrame(
        {
            "series_id": "a",
            "timestamp": pd.date_range("2024-01-01", periods=3, freq="h", tz="UTC"),
            "value": [np.nan] * 3,
        }
    )
    with pytest.raises(DataError, match="series `a`, column `value`: every value is missing"):
        impute_r(frame, method="linear")
    with pytest.raises(ConfigError, match="`method` must be one of"):
        impute_r(frame, method="kalman")


def test_a_missing_r_package_names_the_fix(tmp_path):
    code = (
        "from anomalia.detectors.registry import make_detector\n"
        "make_detector('sarima').fit([1.0] * 30)\n"
    )
    env = {"ANOMALIA_R_LIBRARY": str(tmp_path), "PATH": "/usr/bin:/bin", "R_LIBS": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode != 0
    assert "MissingDependencyError" in result.stderr
    assert "anomaliaR is not installed" in result.stderr
    assert "make install" in result.stderr


def test_missing_rpy2_names_the_install_command():
    code = (
        "import sys\n"
        "sys.modules['rpy2'] = None\n"
        "from anomalia.detectors.registry import make_detector\n"
        "make_detector('stl').fit([1.0] * 30)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode != 0
    assert "MissingDependencyError: the R bridge needs rpy2" in result.stderr
    assert "pip install 'anomalia[r]'" in result.stderr


@pytest.mark.parametrize("name", ["sarima", "stl"])
def test_scores_survive_r_garbage_collection(name):
    # R frees a vector once no R or rpy2 object refers to it; an array that
    # shared that memory would then read whatever R allocated next.
    from anomalia.r.session import robjects

    train, test = _sine(240, 12, 5), _sine(240, 12, 6)
    scores = make_detector(name, period=12).fit(train).score(test)
    expected = scores.copy()
    gc.collect()
    robjects().r(f"gc(full = TRUE); junk <- lapply(1:500, function(i) rep(1e6, {len(test)})); gc()")
    robjects().r("rm(junk)")
    np.testing.assert_array_equal(scores, expected)


def test_vectors_from_r_are_copies():
    from anomalia.r.convert import from_r_vector
    from anomalia.r.session import robjects

    values = from_r_vector(robjects().r("c(1.5, NA, 3)"))
    posixct = "structure(c(0, 1.25), class = c('POSIXct', 'POSIXt'), tzone = 'UTC')"
    stamps = from_r_vector(robjects().r(posixct))
    robjects().r("gc(full = TRUE); junk <- lapply(1:500, function(i) rep(1e6, 3)); rm(junk)")
    np.testing.assert_array_equal(values, [1.5, np.nan, 3.0])
    assert values.flags.owndata
    assert stamps.dt.microsecond.tolist() == [0, 250000]
