"""The Optuna search: seeded, at least as good as the start, and its result reproduces."""

from __future__ import annotations

import pandas as pd
import pytest

from anomalia.exceptions import ConfigError, DataError
from anomalia.synthetic import generate
from anomalia.tuning import expanding_folds, fold_objective, load_search_space, tune


@pytest.fixture(scope="module")
def observations() -> pd.DataFrame:
    return generate(n_series=2, length=1600, seed=1).observations


@pytest.fixture(scope="module")
def result(observations):
    return tune(
        observations,
        "zscore",
        load_search_space("zscore"),
        objective="pr_auc",
        n_trials=5,
        seed=3,
        base_params={"window": 24},
        progress=False,
    )


def test_the_first_trial_is_the_start_and_the_best_matches_or_beats_it(result):
    assert result.trials["window"].iloc[0] == 24
    assert result.baseline_value == result.trials["value"].iloc[0]
    assert result.best_value >= result.baseline_value
    assert result.best_value == result.trials["value"].max()
    assert len(result.trials) == 5


def test_the_best_parameters_reproduce_the_best_value(observations, result):
    folds = expanding_folds(observations, 3, 0.5)
    again = fold_objective("zscore", result.best_params, folds, "pr_auc")
    assert again == pytest.approx(result.best_value)


def test_the_same_seed_gives_the_same_trials(observations, result):
    repeat = tune(
        observations,
        "zscore",
        load_search_space("zscore"),
        objective="pr_auc",
        n_trials=5,
        seed=3,
        base_params={"window": 24},
        progress=False,
    )
    pd.testing.assert_frame_equal(repeat.trials, result.trials)


def test_detectors_with_a_random_state_get_the_seed(observations):
    space = {"n_estimators": load_search_space("iforest")["n_estimators"]}
    found = tune(observations, "iforest", space, objective="nab", n_trials=1, seed=7,
                 progress=False)  # fmt: skip
    assert found.best_params["random_state"] == 7


def test_unlabelled_data_and_unknown_objectives_are_explained(observations):
    space = load_search_space("zscore")
    with pytest.raises(DataError, match="needs labelled anomalies"):
        tune(observations.drop(columns="label"), "zscore", space, progress=False)
    with pytest.raises(ConfigError, match="unknown objective `f2`"):
        tune(observations, "zscore", space, objective="f2", progress=False)


def test_trials_the_data_cannot_support_are_skipped_and_all_skipped_is_an_error(observations):
    from anomalia.tuning.space import IntParam

    too_long = {"window": IntParam(type="int", low=5000, high=6000)}
    with pytest.raises(DataError, match="no trial of `zscore` could be evaluated.*training points"):
        tune(observations, "zscore", too_long, n_trials=2, progress=False)
