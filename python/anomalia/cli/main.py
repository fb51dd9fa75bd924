"""Entry point of the ``anomalia`` command: parse, dispatch, report errors.

Exit status: 0 success, 1 data error, 2 usage or configuration error. Errors
are printed as one line on stderr; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from collections.abc import Sequence

from anomalia import __version__
from anomalia.cli import bench as cli_bench
from anomalia.cli import commands, eda, experiment, serve, tune
from anomalia.cli import dashboard as cli_dashboard
from anomalia.cli import simulate as cli_simulate
from anomalia.cli import store as cli_store
from anomalia.cli import stream as cli_stream
from anomalia.cli.budget import add_budget_options
from anomalia.cli.engine import add_engine_options
from anomalia.cli.inputs import add_data_option, add_labels_store_option, add_reading_options
from anomalia.cli.scoreboard import add_report_option
from anomalia.cli.tracking import add_model_source_options, add_tracking_options
from anomalia.exceptions import AnomaliaError, ConfigError, DataError

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="YAML configuration (default: configs/default.yaml when present)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars or info logs")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with one sub-command per step of the workflow."""
    parser = argparse.ArgumentParser(
        prog="anomalia",
        description="Time-series anomaly detection: ingest, train, detect, evaluate, report.",
    )
    parser.add_argument("--version", action="version", version=f"anomalia {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("generate", help="write a labelled synthetic dataset")
    p.add_argument("--out", metavar="FILE", help="observations parquet (default: paths.data)")
    p.add_argument("--events", metavar="FILE", help="injected events parquet (paths.events)")
    p.add_argument("--n-series", type=int, help="number of series")
    p.add_argument("--length", type=int, help="points per series")
    p.add_argument("--freq", help="sampling interval, e.g. 5min")
    p.add_argument("--seed", type=int, help="random seed")
    p.set_defaults(handler=commands.generate)

    p = sub.add_parser("ingest", help="read CSV, parquet or NAB CSV into the data contract")
    p.add_argument("input", metavar="PATH", nargs="+", help="files, folders or glob patterns")
    p.add_argument(
        "--out", metavar="FILE", required=True, help="observations table to write (.parquet, .csv)"
    )
    p.add_argument("--format", default="auto", choices=["auto", "csv", "parquet", "nab", "edf"])
    add_reading_options(p)
    p.add_argument("--nab-labels", metavar="JSON", help="NAB combined_windows.json for labels")
    p.add_argument(
        "--rate", type=float, metavar="HZ", help="EDF: channels' common rate (default: slowest)"
    )
    p.set_defaults(handler=commands.ingest)

    p = sub.add_parser("train", help="fit detectors, one per series, and save them")
    add_data_option(p, "observations, parquet or CSV (default: paths.data)")
    add_reading_options(p)
    p.add_argument("--detector", action="append", metavar="NAME", help="repeatable")
    p.add_argument("--models", metavar="DIR", help="model folder root (default: paths.models)")
    p.add_argument("--train-fraction", type=float, help="share of each series to fit on")
    p.add_argument(
        "--param",
        action="append",
        metavar="KEY=VALUE",
        default=[],
        help="detector parameter (YAML value), repeatable; one detector only",
    )
    p.add_argument("--params", metavar="FILE", help="YAML/JSON mapping of detector parameters")
    p.add_argument("--threshold", metavar="METHOD", help="static, quantile, pot, spot, dynamic")
    p.add_argument("--contamination", type=float, help="quantile threshold's anomaly share")
    new = p.add_mutually_exclusive_group()
    new.add_argument(
        "--fleet",
        type=int,
        metavar="N",
        help="fit one model on all series pooled; an unseen series is scaled by its first N points",
    )
    new.add_argument(
        "--auto-fit",
        type=int,
        metavar="N",
        help="an unseen series gets its own model, fitted on its first N points",
    )
    add_tracking_options(p, register=True)
    add_engine_options(p)
    p.set_defaults(handler=commands.train)

    p = sub.add_parser("detect", help="score observations with trained detectors")
    add_data_option(p, "observations, parquet or CSV (default: paths.data)")
    add_reading_options(p)
    p.add_argument(
        "--models",
        metavar="DIR|URI",
        help="model folder root, or runs:/ID/model, models:/NAME/VERSION, models:/NAME@ALIAS "
        "(default: paths.models)",
    )
    add_model_source_options(p)
    p.add_argument(
        "--detector",
        action="append",
        metavar="NAME",
        help="repeatable (default: every trained detector)",
    )
    p.add_argument(
        "--out", metavar="FILE", help="scores table, .parquet or .csv (default: paths.scores)"
    )
    add_budget_options(p)
    add_engine_options(p, chunks=True)
    p.set_defaults(handler=commands.detect)

    p = sub.add_parser("evaluate", help="compare scores with labels")
    add_data_option(p, "labelled observations, parquet or CSV (default: paths.data)")
    add_reading_options(p)
    p.add_argument("--scores", metavar="FILE", help="scores table (default: paths.scores)")
    p.add_argument(
        "--models",
        metavar="DIR",
        help="model root; rows used for training are left out of the evaluation",
    )
    p.add_argument("--out", metavar="FILE", help="metrics CSV (default: paths.metrics)")
    add_labels_store_option(p)
    add_report_option(p)
    p.set_defaults(handler=commands.evaluate)

    p = sub.add_parser("report", help="write the HTML report with plots")
    add_data_option(p, "observations, parquet or CSV (default: paths.data)")
    add_reading_options(p)
    p.add_argument("--scores", metavar="FILE", help="scores table (default: paths.scores)")
    p.add_argument("--metrics", metavar="FILE", help="metrics CSV from `anomalia evaluate`")
    p.add_argument("--events", metavar="FILE", help="events parquet from `anomalia generate`")
    p.add_argument(
        "--models",
        metavar="DIR",
        help="model root; ROC/PR curves then leave out rows used for training, and joint "
        "detectors (pca) show which column moved in each flagged event",
    )
    p.add_argument("--out", metavar="DIR", help="report folder (default: paths.report)")
    p.add_argument("--max-series", type=int, default=6, help="series plotted per detector")
    p.set_defaults(handler=commands.report)

    cli_bench.register(sub)
    cli_simulate.register(sub)
    serve.register(sub)
    tune.register(sub)
    experiment.register(sub)
    eda.register(sub)
    cli_dashboard.register(sub)
    cli_stream.register(sub)
    cli_store.register(sub)
    p = sub.add_parser("detectors", help="list the registered detectors")
    p.add_argument(
        "--params",
        metavar="NAME",
        help="list detector NAME's parameters with their defaults and allowed values",
    )
    p.set_defaults(handler=commands.list_detectors)

    for action in sub.choices.values():
        _add_common(action)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    # Library warnings become one log line each, without source file and line.
    warnings.formatwarning = lambda message, category, *_args, **_kwargs: (
        f"{category.__name__}: {message}"
    )
    logging.captureWarnings(True)
    try:
        args.handler(args)
    except BrokenPipeError:
        # The reader of stdout went away (`anomalia detectors | head`): not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except (DataError, FileNotFoundError) as error:
        if args.debug:
            raise
        print(f"anomalia {args.command}: error: {error}", file=sys.stderr)
        return EXIT_DATA
    except (ConfigError, AnomaliaError, ValueError) as error:
        if args.debug:
            raise
        print(f"anomalia {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:  # unreadable, unwritable, a folder where a file was expected...
        if args.debug:
            raise
        print(f"anomalia {args.command}: error: {_file_error(error)}", file=sys.stderr)
        return EXIT_DATA
    return EXIT_OK


def _file_error(error: OSError) -> str:
    """One line naming the file(s) and the reason, as the operating system gave it."""
    reason = error.strerror or type(error).__name__
    names = [str(name) for name in (error.filename, error.filename2) if name is not None]
    if not names:
        return f"{reason} ({error})" if str(error) != reason else reason
    return f"{' -> '.join(names)}: {reason}"


if __name__ == "__main__":
    sys.exit(main())
