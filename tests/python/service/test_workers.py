"""Several worker processes over one registry: writes serialised, choices followed.

``anomalia serve --workers N`` runs N processes, each with its own
:class:`ModelRegistry` over the same folder. Two registries in one process
stand in for two workers here (the file lock is per open file, so they
exclude each other as processes do).
"""

from __future__ import annotations

import shutil
import threading

import pytest

from anomalia.cli.main import main
from anomalia.service.registry import ModelRegistry

from .conftest import train_models


@pytest.fixture
def models(tmp_path, trained_root):
    shutil.copytree(trained_root, tmp_path / "models")
    return tmp_path / "models"


def worker(models) -> ModelRegistry:
    registry = ModelRegistry(models / ".registry", models.parent)
    registry.sync_trained(models)
    registry.load_serving()
    return registry


def test_workers_starting_together_register_each_model_once(models):
    registries = [ModelRegistry(models / ".registry", models.parent) for _ in range(4)]
    threads = [threading.Thread(target=r.sync_trained, args=(models,)) for r in registries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert registries[0].versions("zscore") == [1]
    assert registries[0].versions("iforest") == [1]


def test_a_worker_follows_a_version_registered_by_another(models, tmp_path):
    first, second = worker(models), worker(models)
    assert first.model("zscore")[0] == second.model("zscore")[0] == 1
    retrained = train_models(tmp_path / "retrained", zscore_window=6)
    assert first.register("zscore", retrained / "zscore") == 2
    version, model_set = second.model("zscore")
    assert version == 2 and model_set.params == {"window": 6}
    first.set_serving("zscore", 1)
    assert second.model("zscore")[0] == 1
    # A model registered under a new name by one worker serves from the other.
    first.register("candidate", retrained / "zscore")
    assert second.model("candidate")[0] == 1


def test_serve_refuses_zero_workers(capsys):
    assert main(["serve", "--workers", "0"]) == 2
    assert "--workers must be an integer >= 1, got 0" in capsys.readouterr().err
