"""CLI hooks for MLflow tracking: the options, the run of ``train``, models fetched by URI."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from anomalia.exceptions import AnomaliaError, ConfigError, MissingDependencyError

log = logging.getLogger("anomalia")


def add_tracking_options(parser: argparse.ArgumentParser, *, register: bool = False) -> None:
    """``--tracking-uri`` and ``--no-track`` (and ``--register NAME``) on ``parser``."""
    parser.add_argument(
        "--tracking-uri",
        metavar="URI",
        help="MLflow tracking URI or local folder (default: $MLFLOW_TRACKING_URI, "
        "else results/mlflow, a SQLite store)",
    )
    parser.add_argument(
        "--no-track",
        action="store_true",
        help="log no MLflow run (also: ANOMALIA_TRACKING=off)",
    )
    if register:
        parser.add_argument(
            "--register",
            metavar="NAME",
            help="register the trained model in the MLflow Model Registry under NAME",
        )


def add_model_source_options(parser: argparse.ArgumentParser) -> None:
    """``--run-id`` and ``--tracking-uri`` for commands that read models."""
    parser.add_argument(
        "--run-id", metavar="ID", help="use the model logged by this MLflow run (train's run id)"
    )
    parser.add_argument(
        "--tracking-uri",
        metavar="URI",
        help="MLflow store of --run-id / runs:/ / models:/ (default: $MLFLOW_TRACKING_URI, "
        "else results/mlflow)",
    )


def _mlflow_installed() -> bool:
    return importlib.util.find_spec("mlflow") is not None


def tracking_on(args: argparse.Namespace) -> bool:
    """Whether this command logs a run: not ``--no-track``, not ``ANOMALIA_TRACKING=off``.

    Without mlflow installed, tracking by default is skipped with a log line;
    asked for (``--tracking-uri``, ``--register``, ``MLFLOW_TRACKING_URI``) it
    is an error, raised before any work is done.
    """
    from anomalia.tracking.store import tracking_enabled

    on = not getattr(args, "no_track", False) and tracking_enabled()
    register = getattr(args, "register", None)
    if not on:
        if register:
            raise ConfigError("--register needs tracking: drop --no-track / ANOMALIA_TRACKING=off")
        return False
    if _mlflow_installed():
        return True
    if args.tracking_uri or register or os.environ.get("MLFLOW_TRACKING_URI"):
        raise MissingDependencyError("tracking needs mlflow: pip install 'anomalia[tune]'")
    log.info("mlflow is not installed, so this run is not tracked: pip install 'anomalia[tune]'")
    return False


def track_training(
    args: argparse.Namespace,
    config: Any,
    model_sets: list[Any],
    folders: list[Path],
    observations: Any,
    data_paths: list[Path],
    train_fraction: float,
) -> None:
    """Log the run of ``anomalia train`` and say where it went."""
    from anomalia.tracking.runs import log_training

    resolved = config.model_dump(mode="json")
    resolved["train"].update(
        detectors=[m.detector for m in model_sets],
        train_fraction=train_fraction,
        params={m.detector: m.params for m in model_sets},
        thresholds={m.detector: m.threshold for m in model_sets},
    )
    resolved["paths"].update(data=", ".join(map(str, data_paths)), models=str(folders[0].parent))
    try:
        run = log_training(
            model_sets,
            folders,
            observations,
            data_paths=data_paths,
            config=resolved,
            train_fraction=train_fraction,
            tracking=args.tracking_uri,
            register=args.register,
        )
    except Exception as error:  # MLflow's own errors (a store down, a name taken) vary
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise AnomaliaError(
            f"models saved under {folders[0].parent}, but the MLflow run could not be logged "
            f"({first}); check --tracking-uri, or train with --no-track"
        ) from error
    log.info("MLflow run %s in %s; score with `anomalia detect --run-id %s`",
             run.run_id, run.tracking_uri, run.run_id)  # fmt: skip
    if run.registered:
        log.info("registered as %s", run.registered)


def track_tuning(
    args: argparse.Namespace,
    result: Any,
    files: list[Path],
    threshold: dict[str, Any],
    out: Path,
) -> None:
    """Log the run of ``anomalia tune``: settings, values, the YAML."""
    from anomalia.tracking.runs import file_fingerprint, log_tuning

    settings = {
        "objective": args.objective, "trials": args.trials, "seed": args.seed,
        "folds": args.folds, "min_train": args.min_train,
        "data": ", ".join(map(str, files))[:500], "data_sha256": file_fingerprint(files),
        **{f"threshold.{key}": value for key, value in threshold.items()},
    }  # fmt: skip
    metrics = {f"best_{args.objective}": result.best_value}
    if result.baseline_value is not None:
        metrics[f"baseline_{args.objective}"] = result.baseline_value
    run = log_tuning(
        args.detector, settings, metrics, result.best_params, out, tracking=args.tracking_uri
    )
    log.info("MLflow run %s in %s", run.run_id, run.tracking_uri)


@contextlib.contextmanager
def model_root(args: argparse.Namespace, default: Path) -> Iterator[Path]:
    """The model root of ``--models DIR``, or of ``--run-id`` / a ``runs:/``/``models:/`` URI.

    A model fetched from MLflow lives in a temporary folder while the block runs.
    """
    from anomalia.tracking.uris import is_model_uri, run_model_uri

    run_id = getattr(args, "run_id", None)
    if run_id and args.models:
        raise ConfigError("--run-id and --models name the model twice: give one")
    uri = run_model_uri(run_id) if run_id else args.models if is_model_uri(args.models) else None
    if uri is None:
        yield Path(args.models or default)
        return
    from anomalia.tracking.uris import describe, download_model_sets

    with tempfile.TemporaryDirectory(prefix="anomalia-models-") as scratch:
        root = download_model_sets(uri, args.tracking_uri, Path(scratch))
        log.info("models from %s", describe(uri, args.tracking_uri))
        yield root
