"""``anomalia tune``: search a detector's parameters, write them for ``train --params``."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import yaml

from anomalia.cli.inputs import add_data_option, add_labels_store_option, add_reading_options
from anomalia.cli.tracking import add_tracking_options, track_tuning, tracking_on

log = logging.getLogger("anomalia")

#: The keys of :data:`anomalia.tuning.OBJECTIVES`, named here so that ``--help`` stays light.
OBJECTIVE_NAMES = ["event_f1", "nab", "pr_auc"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``tune`` sub-command to the CLI."""
    p = sub.add_parser("tune", help="tune a detector's parameters with Optuna")
    p.add_argument("--detector", required=True, metavar="NAME", help="registered detector")
    add_data_option(p, "labelled observations, parquet or CSV (default: paths.data)")
    add_reading_options(p)
    add_labels_store_option(p)
    p.add_argument(
        "--objective",
        default="event_f1",
        choices=OBJECTIVE_NAMES,
        help="what to maximise on the validation parts (default: event_f1)",
    )
    p.add_argument("--trials", type=int, default=20, metavar="N", help="trials (default 20)")
    p.add_argument("--out", required=True, metavar="FILE", help="parameters YAML to write")
    p.add_argument("--seed", type=int, default=0, help="sampler seed (default 0)")
    p.add_argument("--space", metavar="FILE", help="YAML search spaces replacing the default")
    p.add_argument("--folds", type=int, default=3, metavar="K", help="expanding-window folds")
    p.add_argument(
        "--min-train",
        type=float,
        default=0.5,
        metavar="SHARE",
        help="share of each series the first fold fits on (default 0.5)",
    )
    p.add_argument("--threshold", metavar="METHOD", help="threshold method (default: config)")
    add_tracking_options(p)
    p.set_defaults(handler=tune)


def tune(args: argparse.Namespace) -> None:
    """Run the search and write the best parameters as YAML."""
    from anomalia.atomic import atomic_file
    from anomalia.cli.commands import cli_config
    from anomalia.cli.inputs import expand, read_data
    from anomalia.detectors.params import check_detector_params, check_threshold_spec
    from anomalia.tuning import load_search_space
    from anomalia.tuning import tune as search

    config = cli_config(args)
    tracked = tracking_on(args)
    space = load_search_space(args.detector, args.space)
    threshold = {"method": args.threshold} if args.threshold else dict(config.threshold)
    check_detector_params(args.detector, config.train.params.get(args.detector, {}))
    check_threshold_spec(threshold)
    files = expand(list(args.data or [config.paths.data]))
    data = ", ".join(map(str, files))
    observations = read_data(args, files, config.paths.data)
    result = search(
        observations,
        args.detector,
        space,
        objective=args.objective,
        n_trials=args.trials,
        seed=args.seed,
        base_params=config.train.params.get(args.detector, {}),
        threshold=threshold,
        n_folds=args.folds,
        min_train=args.min_train,
        fill_method=config.data.fill_method,
        progress=not args.quiet,
    )
    baseline = (
        "outside the space" if result.baseline_value is None else (f"{result.baseline_value:.4f}")
    )
    header = [
        f"anomalia tune --detector {args.detector} --objective {args.objective} "
        f"--trials {args.trials} --seed {args.seed}",
        f"data: {data}; {args.folds} expanding-window folds from {args.min_train:g} of each series",
        f"{args.objective}: {result.best_value:.4f} tuned, {baseline} with the starting parameters",
        f"use: anomalia train --detector {args.detector} --params {args.out}",
    ]
    text = "".join(f"# {line}\n" for line in header)
    text += yaml.safe_dump(result.best_params, sort_keys=True, default_flow_style=False)
    out = Path(args.out)
    with atomic_file(out) as tmp:
        tmp.write_text(text)
    log.info(
        "%s: %s %.4f tuned (%s with the starting parameters); wrote %s",
        args.detector,
        args.objective,
        result.best_value,
        baseline,
        out,
    )
    if tracked:
        track_tuning(args, result, files, threshold, out)
