"""A shared MLflow store for the tracking tests, and a tracked training in it.

The suite turns tracking off (``tests/python/conftest.py``); these tests turn
it on, and share one SQLite store per session because creating one takes
seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from anomalia.cli.main import main
from anomalia.contract import write_observations
from anomalia.synthetic import generate


@dataclass(frozen=True)
class TrainedRun:
    """A tracked ``anomalia train``: its files, store and run id."""

    folder: Path
    data: Path
    models: Path
    store: Path
    run_id: str


@pytest.fixture(scope="session")
def store(tmp_path_factory) -> Path:
    """One MLflow store folder for the session."""
    return tmp_path_factory.mktemp("mlflow") / "store"


@pytest.fixture(scope="session")
def tracking_on():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ANOMALIA_TRACKING", "on")
        patch.delenv("MLFLOW_TRACKING_URI", raising=False)
        yield


def observations_file(folder: Path, seed: int = 3) -> Path:
    data = generate(n_series=2, length=600, freq="5min", seed=seed).observations
    return write_observations(data, folder / "observations.parquet")


def run_ids(store: Path, experiment: str) -> list[str]:
    """Ids of the runs of ``experiment`` in ``store``, newest first."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{store.resolve() / 'mlflow.db'}")
    found = client.get_experiment_by_name(experiment)
    if found is None:
        return []
    return [run.info.run_id for run in client.search_runs([found.experiment_id])]


@pytest.fixture(scope="session")
def trained(tmp_path_factory, store, tracking_on) -> TrainedRun:
    """``anomalia train`` of zscore and mad, tracked and registered as `fleet`."""
    folder = tmp_path_factory.mktemp("trained")
    data = observations_file(folder)
    models = folder / "models"
    code = main(
        ["train", "--data", str(data), "--models", str(models), "--detector", "zscore",
         "--detector", "mad", "--train-fraction", "0.5",
         "--tracking-uri", str(store), "--register", "fleet", "--quiet"]
    )  # fmt: skip
    assert code == 0
    return TrainedRun(folder, data, models, store, run_ids(store, "anomalia-train")[0])
