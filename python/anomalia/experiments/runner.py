"""Run an experiment: fit, score and evaluate every detector, and log it all to MLflow.

One MLflow run per experiment run holds the parameters of the experiment,
the results table (``results.csv``), the comparison and runtime plots and the
experiment file; one nested run per detector holds its parameters, its
metrics, a score plot of the first series and its fitted model set as the
MLflow model ``model`` (scored again with ``anomalia detect --run-id``).
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from anomalia.alerts import held_out_alerts
from anomalia.evaluation import evaluate_scores
from anomalia.experiments.config import ExperimentConfig
from anomalia.modelset import ModelSet
from anomalia.tracking.runs import file_fingerprint
from anomalia.tracking.store import connect, experiment_id, mlflow_module

log = logging.getLogger(__name__)

#: Panels of the comparison plot: metric column to title.
COMPARISON_PANELS = {
    "nab_standard": "NAB (standard)",
    "vus_pr": "VUS-PR",
    "event_f1": "event-wise F1",
    "point_adjusted_f1": "point-adjusted F1 (optimistic)",
    "mean_delay": "mean delay (points)",
    "alerts_per_day": "alerts per day",
}


@dataclass
class ExperimentResult:
    """Results of one experiment run: the table and where MLflow keeps it."""

    results: pd.DataFrame
    tracking_uri: str
    experiment_id: str
    run_id: str


def _observations(config: ExperimentConfig) -> pd.DataFrame:
    from anomalia.contract import read_observations
    from anomalia.synthetic import generate

    data = config.data
    if data.path is not None:
        return read_observations(data.path)
    synthetic = data.synthetic
    return generate(
        n_series=synthetic.n_series,
        length=synthetic.length,
        freq=synthetic.freq,
        seed=synthetic.seed,
    ).observations


def _flatten(prefix: str, values: dict[str, Any]) -> dict[str, str]:
    return {f"{prefix}{key}": str(value) for key, value in values.items()}


def _numeric(row: pd.Series) -> dict[str, float]:
    values = pd.to_numeric(row, errors="coerce").dropna()
    return {str(key): float(value) for key, value in values.items()}


def compare_detectors(
    config: ExperimentConfig, observations: pd.DataFrame, *, progress: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, ModelSet]]:
    """Fit, score and evaluate every detector of ``config`` on ``observations``.

    Returns
    -------
    results : DataFrame
        One row per detector, best ``evaluation.primary`` first: the metrics of
        :func:`anomalia.evaluation.evaluate_scores`, held-out ``n_alerts`` and
        ``alerts_per_day``, ``fit_seconds`` and ``score_seconds``.
    scores : DataFrame
        Contract scores of every detector.
    model_sets : dict of str to ModelSet
        The fitted model set of each detector.
    """
    preparation = config.data.preparation
    scores, train_ends, timings, model_sets = [], {}, [], {}
    for name, params in config.detectors.items():
        model_set = ModelSet(name, params, config.threshold, preparation.fill_method)
        model_set.fit(
            observations,
            train_fraction=config.evaluation.train_fraction,
            frequency=preparation.frequency,
            progress=progress,
        )
        started = time.perf_counter()
        scores.append(model_set.score(observations, progress=progress))
        timings.append((name, model_set.fit_seconds_, time.perf_counter() - started))
        train_ends[name] = model_set.train_ends()
        model_sets[name] = model_set
        log.info("%s: fitted in %.1f s, scored in %.1f s", name, *timings[-1][1:])
    all_scores = pd.concat(scores, ignore_index=True)
    results = evaluate_scores(observations, all_scores, train_ends)
    results = results.merge(held_out_alerts(all_scores, train_ends), on="detector")
    timing_table = pd.DataFrame(timings, columns=["detector", "fit_seconds", "score_seconds"])
    results = results.merge(timing_table, on="detector")
    primary = config.evaluation.primary
    ranked = results.sort_values(primary, ascending=False, ignore_index=True)
    return ranked, all_scores, model_sets


def _run_params(config: ExperimentConfig, observations: pd.DataFrame) -> dict[str, str]:
    data = config.data
    params = {"data": str(data.path) if data.path else "synthetic"}
    if data.path is not None:
        params["data_sha256"] = file_fingerprint([data.path])
    if data.synthetic is not None:
        params.update(_flatten("synthetic.", data.synthetic.model_dump()))
    params.update(
        n_series=str(observations["series_id"].nunique()),
        n_points=str(len(observations)),
        train_fraction=str(config.evaluation.train_fraction),
        detectors=",".join(config.detectors),
    )
    params.update(_flatten("threshold.", config.threshold))
    return params


def _log_detector(
    mlflow: Any,
    config: ExperimentConfig,
    row: pd.Series,
    scores: pd.DataFrame,
    model_set: ModelSet,
    folder: Path,
) -> None:
    from anomalia.report.plots import plot_scores
    from anomalia.tracking.flavor import log_model_sets

    detector = str(row["detector"])
    mlflow.log_params({"detector": detector, **_flatten("", config.detectors[detector])})
    mlflow.log_metrics(_numeric(row.drop(labels="detector")))
    own = scores[scores["detector"] == detector]
    shown = sorted(own["series_id"].unique())[: config.evaluation.plot_series]
    for index, series_id in enumerate(shown):
        path = plot_scores(own[own["series_id"] == series_id], folder / f"{detector}-{index}.png")
        mlflow.log_artifact(str(path), "plots")
    saved = model_set.save(folder / "models" / detector)
    log_model_sets(mlflow, [saved], model_set.value_columns_)


def run_experiment(
    config: ExperimentConfig,
    *,
    source: str | Path | None = None,
    tracking: str | Path | None = None,
    progress: bool = True,
) -> ExperimentResult:
    """Run :func:`compare_detectors` on the experiment's data and log the run to MLflow.

    Parameters
    ----------
    config : ExperimentConfig
    source : str or pathlib.Path, optional
        The experiment file, logged as an artifact.
    tracking : str or pathlib.Path, optional
        MLflow URI or local folder (default ``results/mlflow``).
    progress : bool
        Progress bars while fitting and scoring.

    Returns
    -------
    ExperimentResult
    """
    from anomalia.report.comparison import plot_metric_comparison, plot_runtimes

    mlflow = mlflow_module()
    observations = _observations(config)
    results, scores, model_sets = compare_detectors(config, observations, progress=progress)
    mlflow, uri, artifacts = connect(tracking)
    experiment = experiment_id(mlflow.tracking.MlflowClient(uri), config.name, artifacts)
    primary = config.evaluation.primary
    with (
        tempfile.TemporaryDirectory() as temporary,
        mlflow.start_run(
            experiment_id=experiment,
            run_name=config.name,
            description=config.description or None,
        ) as parent,
    ):
        folder = Path(temporary)
        mlflow.log_params(_run_params(config, observations))
        mlflow.log_metric(f"best_{primary}", float(results[primary].iloc[0]))
        mlflow.set_tag("best_detector", str(results["detector"].iloc[0]))
        results.to_csv(folder / "results.csv", index=False, float_format="%.6g")
        mlflow.log_artifact(str(folder / "results.csv"))
        for plot in (
            plot_metric_comparison(results, COMPARISON_PANELS, folder / "comparison.png"),
            plot_runtimes(results, folder / "runtimes.png"),
        ):
            mlflow.log_artifact(str(plot), "plots")
        if source is not None:
            mlflow.log_text(Path(source).read_text(), f"experiment/{Path(source).name}")
        for _, row in results.iterrows():
            with mlflow.start_run(
                experiment_id=experiment, run_name=str(row["detector"]), nested=True
            ):
                detector = str(row["detector"])
                _log_detector(mlflow, config, row, scores, model_sets[detector], folder)
    log.info("logged run %s of experiment `%s` to %s", parent.info.run_id, config.name, uri)
    return ExperimentResult(results, uri, experiment, parent.info.run_id)
