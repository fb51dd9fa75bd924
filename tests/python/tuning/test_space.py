"""Search spaces: YAML data, validated, every registered detector has a default."""

from __future__ import annotations

import optuna
import pytest

from anomalia.detectors.registry import available_detectors, make_detector
from anomalia.exceptions import ConfigError
from anomalia.tuning.space import as_trial_values, decode, load_search_space, suggest


@pytest.mark.parametrize("detector", available_detectors())
def test_every_detector_has_a_default_space_whose_samples_it_accepts(detector):
    space = load_search_space(detector)
    assert space
    trial = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0)).ask()
    params = suggest(trial, space)
    assert set(params) == set(space)
    make_detector(detector, **params)
    assert decode(space, trial.params) == params


def test_list_choices_come_back_as_lists():
    space = load_search_space("arima")
    trial = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1)).ask()
    order = suggest(trial, space)["order"]
    assert isinstance(order, list) and len(order) == 3
    assert isinstance(trial.params["order"], str)  # what Optuna stores


def test_user_file_replaces_the_space_of_the_detectors_it_names(tmp_path):
    file = tmp_path / "space.yaml"
    file.write_text("zscore:\n  window: {type: int, low: 5, high: 10}\n")
    assert load_search_space("zscore", file)["window"].high == 10
    assert load_search_space("mad", file)["window"].high == 576  # default kept


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("zscore:\n  span: {type: int, low: 5, high: 10}\n", "has no parameter `span`"),
        ("zscore:\n  window: {type: int, low: 10, high: 5}\n", "zscore.window"),
        ("zscore:\n  window: {type: normal}\n", "zscore.window"),
        ("- zscore\n", "expected a mapping of detector names"),
    ],
)
def test_bad_space_files_name_the_file_and_key(tmp_path, text, message):
    file = tmp_path / "space.yaml"
    file.write_text(text)
    with pytest.raises(ConfigError, match=message) as error:
        load_search_space("zscore", file)
    assert str(file) in str(error.value)


def test_unknown_detector_lists_the_valid_ones():
    with pytest.raises(ConfigError, match="unknown detector `prophet`; choose one of"):
        load_search_space("prophet")


def test_starting_values_outside_the_space_are_not_enqueued():
    space = load_search_space("zscore")
    assert as_trial_values(space, {"window": 48}) == {"window": 48}
    assert as_trial_values(space, {"window": 4}) is None
    arima = load_search_space("arima")
    assert as_trial_values(arima, {"order": (2, 0, 1), "trend": "c"}) == {
        "order": "[2, 0, 1]",
        "trend": "c",
    }
