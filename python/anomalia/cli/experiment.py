"""``anomalia experiment run FILE``: run a tracked experiment and log it to MLflow."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger("anomalia")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``experiment`` sub-command (with its ``run`` action) to the CLI."""
    p = sub.add_parser("experiment", help="run tracked experiments (logged to MLflow)")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    run = actions.add_parser("run", help="run an experiment file and log it to MLflow")
    run.add_argument("file", metavar="FILE", help="experiment YAML, e.g. configs/experiments/*")
    run.add_argument(
        "--tracking-uri",
        metavar="URI",
        help="MLflow tracking URI or local folder (default: results/mlflow, a SQLite store)",
    )
    run.add_argument("--out", metavar="FILE", help="also write the results table as CSV")
    # The CLI's common flags, accepted after `run` too; SUPPRESS keeps values given before it.
    run.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS)
    run.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    run.set_defaults(handler=run_experiment)


def run_experiment(args: argparse.Namespace) -> None:
    """Load, run and log the experiment; print its results table."""
    from anomalia.atomic import atomic_file
    from anomalia.experiments import load_experiment
    from anomalia.experiments import run_experiment as run

    config = load_experiment(args.file)
    result = run(config, source=args.file, tracking=args.tracking_uri, progress=not args.quiet)
    if args.out:
        out = Path(args.out)
        with atomic_file(out) as tmp:
            result.results.to_csv(tmp, index=False, float_format="%.6g")
        log.info("wrote results to %s", out)
    shown = ["detector", "nab_standard", "vus_pr", "event_f1", "point_adjusted_f1",
             "mean_delay", "alerts_per_day", "fit_seconds", "score_seconds"]  # fmt: skip
    print(result.results[shown].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(
        f"MLflow run {result.run_id} in {result.tracking_uri}; browse with "
        f"`mlflow ui --backend-store-uri {result.tracking_uri}`"
    )
