"""Series a model set never saw: a fleet model, or a model fitted on the first points."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomalia.contract import validate_observations
from anomalia.engine import load_state, save_state
from anomalia.engine.fleet import advance_series
from anomalia.exceptions import ConfigError, DataError
from anomalia.modelset import ModelSet

START = pd.Timestamp("2026-01-01", tz="UTC")


def series(series_id: str, level: float, spread: float, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    values = level + spread * (np.sin(np.arange(n) / 10) + 0.3 * rng.normal(size=n))
    return pd.DataFrame(
        {
            "series_id": series_id,
            "timestamp": pd.date_range(START, periods=n, freq="5min"),
            "value": values,
        }
    )


@pytest.fixture(scope="module")
def fleet() -> pd.DataFrame:
    parts = [series(f"host-{k}", 10.0 * k, 1.0 + k, 600, seed=k) for k in range(3)]
    return validate_observations(pd.concat(parts, ignore_index=True))


@pytest.fixture(scope="module")
def newcomer() -> pd.DataFrame:
    """A host at another level and scale, with a spike at row 400."""
    frame = series("my-new-host", 500.0, 20.0, 500, seed=9)
    frame.loc[400, "value"] += 300.0
    return validate_observations(frame)


@pytest.mark.parametrize(
    ("detector", "params", "method", "points"),
    [
        ("zscore", {"window": 24}, "fleet", 50),
        ("iforest", {"windows": (6, 24), "n_estimators": 50}, "fleet", 50),
        ("zscore", {"window": 24}, "auto_fit", 200),
    ],
)
def test_an_unseen_series_warms_up_then_its_spike_is_flagged(
    fleet, newcomer, detector, params, method, points
):
    model_set = ModelSet(detector, params, new_series={"method": method, "points": points})
    model_set.fit(fleet, progress=False)
    scores = model_set.score(newcomer, progress=False)
    status = scores["status"].to_numpy()
    assert (status[:points] == "warming_up").all()
    assert not scores["is_anomaly"][:points].any()
    assert scores["is_anomaly"].iloc[400]
    assert scores["is_anomaly"].sum() <= 15


def test_new_series_in_chunks_equal_whole_and_survive_a_restart(fleet, newcomer, tmp_path):
    model_set = ModelSet("zscore", {"window": 24}, new_series={"method": "auto_fit", "points": 80})
    model_set.fit(fleet, progress=False).save(tmp_path / "model")
    values = newcomer["value"].to_numpy()
    stamps = newcomer["timestamp"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    whole, _ = advance_series(model_set, "my-new-host", None, values, stamps)
    for size in (1, 7, 1000):
        state, parts = None, []
        for first in range(0, len(values), size):
            if first == 140:  # a restart: state from disk, model set from disk
                state = load_state(save_state(state, tmp_path / "state.npz"))
                model_set = ModelSet.load(tmp_path / "model")
            cut = slice(first, first + size)
            answers, state = advance_series(
                model_set, "my-new-host", state, values[cut], stamps[cut]
            )
            parts.append(answers)
        np.testing.assert_array_equal(np.concatenate([p.score for p in parts]), whole.score)
        np.testing.assert_array_equal(
            np.concatenate([p.is_anomaly for p in parts]), whole.is_anomaly
        )
        assert state.n_seen == len(values)


def test_unseen_series_without_a_way_is_explained_and_bad_specs_refused(fleet, newcomer):
    model_set = ModelSet("zscore", {"window": 24}).fit(fleet, progress=False)
    with pytest.raises(DataError, match="`my-new-host` has no trained .*--auto-fit N"):
        model_set.score(newcomer, progress=False)
    with pytest.raises(ConfigError, match="must be an integer >= 25 for auto_fit"):
        ModelSet("zscore", {"window": 24}, new_series={"method": "auto_fit", "points": 10})
    with pytest.raises(ConfigError, match="`new_series` must be"):
        ModelSet("zscore", new_series={"method": "guess", "points": 10})
