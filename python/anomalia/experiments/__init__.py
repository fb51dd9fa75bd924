"""Tracked experiments: YAML files run by ``anomalia experiment run`` and logged to MLflow."""

from anomalia.experiments.config import ExperimentConfig, load_experiment
from anomalia.experiments.runner import ExperimentResult, run_experiment

__all__ = ["ExperimentConfig", "ExperimentResult", "load_experiment", "run_experiment"]
