"""One MLflow run per ``anomalia train`` (and ``anomalia tune``).

A training run holds the parameters, the resolved configuration
(``config.yaml``), the data fingerprint, held-out metrics per detector (when
part of each series was kept out of training), one score plot per detector and
the trained model sets as the MLflow model ``model`` (see
:mod:`anomalia.tracking.flavor`), optionally registered in the Model Registry.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from anomalia.modelset import ModelSet
from anomalia.tracking import flavor
from anomalia.tracking.store import connect, experiment_id

log = logging.getLogger(__name__)

#: MLflow experiment of ``anomalia train`` runs (``anomalia tune`` uses ``anomalia-tune``).
TRAIN_EXPERIMENT = "anomalia-train"
TUNE_EXPERIMENT = "anomalia-tune"


@dataclass(frozen=True)
class TrackedRun:
    """Where a run was logged: the run id, the tracking URI and the registered version."""

    run_id: str
    tracking_uri: str
    model_uri: str | None = None
    registered: str | None = None


def file_fingerprint(paths: Sequence[str | Path]) -> str:
    """SHA-256 of the files' bytes, in order: which data a model was trained on."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):  # noqa: B023
                digest.update(block)
    return digest.hexdigest()


def _flat(prefix: str, values: Mapping[str, Any]) -> dict[str, str]:
    return {f"{prefix}{key}": str(value) for key, value in values.items()}


def _held_out_metrics(
    model_sets: Sequence[ModelSet], observations: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Metrics per detector on its held-out rows (alerts; quality with labels), and scores."""
    from anomalia.alerts import held_out_alerts
    from anomalia.evaluation import evaluate_scores

    scores = pd.concat([m.score(observations, progress=False) for m in model_sets])
    ends = {m.detector: m.train_ends() for m in model_sets}
    table = held_out_alerts(scores, ends)
    if "label" in observations.columns:
        table = table.merge(evaluate_scores(observations, scores, ends), on="detector")
    return table.set_index("detector"), scores


def log_training(
    model_sets: Sequence[ModelSet],
    folders: Sequence[Path],
    observations: pd.DataFrame,
    *,
    data_paths: Sequence[Path],
    config: Mapping[str, Any],
    train_fraction: float,
    tracking: str | Path | None = None,
    register: str | None = None,
) -> TrackedRun:
    """Log a training run with its model; see the module docstring for what it holds.

    Parameters
    ----------
    model_sets : sequence of ModelSet
        Fitted, in the order of ``folders``.
    folders : sequence of pathlib.Path
        Where each model set was saved.
    observations : DataFrame
        The training data (contract observations).
    data_paths : sequence of pathlib.Path
        The files the observations came from (their SHA-256 is logged).
    config : mapping
        The resolved configuration, logged as ``config.yaml``.
    train_fraction : float
        Share of each series trained on; below 1, the rest gives held-out metrics.
    tracking : str or pathlib.Path, optional
        MLflow URI or local folder (default: ``MLFLOW_TRACKING_URI``, else ``results/mlflow``).
    register : str, optional
        Register the model under this name in the Model Registry.
    """
    from anomalia.report.plots import plot_scores

    mlflow, uri, artifacts = connect(tracking)
    client = mlflow.tracking.MlflowClient(uri)
    experiment = experiment_id(client, TRAIN_EXPERIMENT, artifacts)
    names = [m.detector for m in model_sets]
    with (
        tempfile.TemporaryDirectory() as scratch,
        mlflow.start_run(experiment_id=experiment, run_name="+".join(names)) as run,
    ):
        params = {
            "detectors": ",".join(names),
            "data": ", ".join(map(str, data_paths))[:500],
            "data_sha256": file_fingerprint(data_paths),
            "n_series": str(observations["series_id"].nunique()),
            "n_points": str(len(observations)),
            "train_fraction": str(train_fraction),
            "value_columns": ",".join(model_sets[0].value_columns_),
        }
        for model_set in model_sets:
            params.update(_flat(f"{model_set.detector}.", model_set.params))
            params.update(_flat(f"{model_set.detector}.threshold.", model_set.threshold))
        mlflow.log_params(params)
        mlflow.log_dict(dict(config), "config.yaml")
        for model_set in model_sets:
            mlflow.log_metric(f"{model_set.detector}.fit_seconds", model_set.fit_seconds_)
        if train_fraction < 1.0:
            table, scores = _held_out_metrics(model_sets, observations)
            for detector, row in table.iterrows():
                values = pd.to_numeric(row, errors="coerce").dropna()
                mlflow.log_metrics({f"{detector}.{k}": float(v) for k, v in values.items()})
            first = scores["series_id"].iloc[0]
            for detector in names:
                own = scores[(scores["detector"] == detector) & (scores["series_id"] == first)]
                path = plot_scores(own, Path(scratch) / f"{detector}.png")
                mlflow.log_artifact(str(path), "plots")
        info = flavor.log_model_sets(mlflow, folders, model_sets[0].value_columns_)
        model_uri = f"runs:/{run.info.run_id}/model"
        registered = None
        if register:
            version = mlflow.register_model(info.model_uri, register)
            registered = f"models:/{register}/{version.version}"
    return TrackedRun(run.info.run_id, uri, model_uri, registered)


def log_tuning(
    detector: str,
    params: Mapping[str, Any],
    metrics: Mapping[str, float],
    best_params: Mapping[str, Any],
    parameters_file: Path,
    *,
    tracking: str | Path | None = None,
) -> TrackedRun:
    """Log an ``anomalia tune`` search: its settings, best and baseline values, the YAML written."""
    mlflow, uri, artifacts = connect(tracking)
    experiment = experiment_id(mlflow.tracking.MlflowClient(uri), TUNE_EXPERIMENT, artifacts)
    with mlflow.start_run(experiment_id=experiment, run_name=f"tune {detector}") as run:
        mlflow.log_params({"detector": detector, **_flat("", params)})
        mlflow.log_params(_flat("best.", best_params))
        mlflow.log_metrics(dict(metrics))
        mlflow.log_artifact(str(parameters_file))
    return TrackedRun(run.info.run_id, uri)
