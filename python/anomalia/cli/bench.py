"""``anomalia bench nab`` and ``bench synthetic``: run detectors over a labelled corpus."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from anomalia.cli.engine import add_engine_options, dask_engine
from anomalia.exceptions import ConfigError, DataError

log = logging.getLogger("anomalia")

#: The corpus lives beside the repository, never inside it.
DEFAULT_DATA = Path("..") / "shared" / "datasets" / "nab"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``bench`` command and its ``nab`` sub-command to ``sub``."""
    bench = sub.add_parser("bench", help="benchmark detectors on public corpora")
    bench_sub = bench.add_subparsers(dest="bench_command", metavar="CORPUS", required=True)
    p = bench_sub.add_parser(
        "nab",
        help="Numenta Anomaly Benchmark: streaming run, NAB result files and scores",
    )
    p.add_argument(
        "--data",
        metavar="DIR",
        default=str(DEFAULT_DATA),
        help=f"NAB corpus folder with data/ and labels/ (default: {DEFAULT_DATA})",
    )
    p.add_argument(
        "--out", metavar="DIR", default="results/nab", help="results folder (default: results/nab)"
    )
    p.add_argument(
        "--detectors",
        metavar="A,B",
        help="comma-separated detector names (default: every causal unsupervised "
        "detector but the deep and R ones, which are opt-in)",
    )
    p.add_argument(
        "--params",
        metavar="FILE",
        help="YAML/JSON mapping of detector name to its parameters, e.g. "
        "{ensemble: {members: [novelty, zscore], combination: max}}",
    )
    p.add_argument(
        "--scale",
        default="fixed",
        choices=["fixed", "training"],
        help="raw score to [0, 1]: one function for all series, or relative to each "
        "series' training scores (default: fixed)",
    )
    p.add_argument(
        "--onset-window",
        type=_rows_or_share,
        metavar="N",
        help="keep a score only where it exceeds the previous N scores; N below 1 is a "
        "share of the probationary period, e.g. 0.5 (default: off)",
    )
    p.add_argument(
        "--protocol",
        default="usual",
        choices=["usual", "loco"],
        help="usual: one corpus-wide threshold chosen on the whole corpus; loco: every "
        "parameter in the grid and the threshold chosen again with each category left "
        "out, and scored on it (docs/nab.md; default: usual)",
    )
    p.add_argument(
        "--grid",
        metavar="FILE",
        help="with --protocol loco: YAML/JSON mapping of detector name to {parameter: "
        "[values tried]} (default: the grids of anomalia.bench.loco.DEFAULT_GRIDS)",
    )
    p.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: CPU cores)")
    p.add_argument("--quiet", action="store_true", help="no progress bars or info logs")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    add_engine_options(p)
    p.set_defaults(handler=bench_nab)

    p = bench_sub.add_parser(
        "synthetic",
        help="the same protocol and scorer on a corpus from anomalia's generator "
        "(anomalies inside the normal range, daily and weekly cycles)",
    )
    p.add_argument("--series", type=int, default=30, metavar="N", help="series (default: 30)")
    p.add_argument(
        "--length", type=int, default=4032, metavar="N", help="rows per series (default: 4032)"
    )
    p.add_argument("--seed", type=int, default=7, help="generator seed (default: 7)")
    p.add_argument(
        "--out",
        metavar="DIR",
        default="results/synthetic",
        help="results folder (default: results/synthetic)",
    )
    p.add_argument("--detectors", metavar="A,B", help="comma-separated detector names")
    p.add_argument("--params", metavar="FILE", help="YAML/JSON mapping of detector parameters")
    p.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: CPU cores)")
    p.add_argument("--quiet", action="store_true", help="no progress bars or info logs")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    p.set_defaults(handler=bench_synthetic, scale="fixed", onset_window=None)


def _rows_or_share(text: str) -> int | float:
    """``--onset-window``: an integer number of rows, or a share such as 0.5."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a number of rows or a share in (0, 1), got {text!r}"
            ) from None


def bench_nab(args: argparse.Namespace) -> None:
    """``anomalia bench nab``: run, write results and summary, print the table."""
    from anomalia.bench.nab import format_table, run_nab

    data = Path(args.data)
    if not data.is_dir():
        raise DataError(
            f"{data}: no such NAB corpus folder; pass --data pointing at the folder holding "
            "data/ and labels/combined_windows.json"
        )
    names, options = _detectors_and_options(args)
    if args.protocol == "loco":
        _bench_loco(args, data, names, options)
        return
    if args.grid:
        raise ConfigError("--grid applies only with --protocol loco")
    if dask_engine(args):  # one task per series on the cluster, instead of --jobs processes
        from anomalia.distributed.cluster import open_client

        if args.jobs is not None:
            raise ConfigError("--jobs sets local processes: use --workers with --engine dask")
        with open_client(args.scheduler, args.workers or 2) as client:
            rows = run_nab(data, args.out, names, options=options, progress=not args.quiet,
                           executor=client.get_executor())  # fmt: skip
    else:
        rows = run_nab(data, args.out, names, jobs=args.jobs, options=options,
                       progress=not args.quiet)  # fmt: skip
    sys.stdout.write(format_table(rows) + "\n")
    log.info("results and summary.csv in %s", args.out)


def _detectors_and_options(args: argparse.Namespace):
    """``--detectors`` as a list (None for the default set) and the streaming options."""
    from anomalia.bench.nab import StreamOptions

    names = None
    if args.detectors:
        names = [name.strip() for name in args.detectors.split(",") if name.strip()]
        if not names:
            raise ConfigError(f"--detectors expects comma-separated names, got {args.detectors!r}")
    params = {}
    if args.params:
        from anomalia.cli.commands import _load_params_file

        params = _load_params_file(args.params)
        for name, values in params.items():
            if not isinstance(values, dict):
                raise ConfigError(
                    f"{args.params}: `{name}` must map to a mapping of parameters, got {values!r}"
                )
    return names, StreamOptions(scale=args.scale, onset_window=args.onset_window, params=params)


def bench_synthetic(args: argparse.Namespace) -> None:
    """``anomalia bench synthetic``: the NAB protocol on a generated corpus; print the table."""
    from anomalia.bench.nab import format_table, run_corpus
    from anomalia.bench.synthetic import synthetic_corpus

    names, options = _detectors_and_options(args)
    corpus = synthetic_corpus(args.series, args.length, args.seed)
    log.info(
        "synthetic corpus (seed %d): %d series, %d rows, %d windows",
        args.seed,
        len(corpus),
        sum(len(series.values) for series in corpus),
        sum(len(series.windows) for series in corpus),
    )
    rows = run_corpus(corpus, args.out, names, jobs=args.jobs, options=options,
                      progress=not args.quiet)  # fmt: skip
    sys.stdout.write(format_table(rows).replace("NAB standard", "standard") + "\n")
    log.info("results and summary.csv in %s", args.out)


def _bench_loco(args: argparse.Namespace, data: Path, names: list[str] | None, options) -> None:
    """``anomalia bench nab --protocol loco``: print and write the LOCO tables."""
    import os

    from anomalia.bench.loco import format_loco, run_loco
    from anomalia.bench.streaming import default_detectors

    grids = None
    if args.grid:
        from anomalia.cli.commands import _load_params_file

        grids = _load_params_file(args.grid)
    jobs = args.jobs if args.jobs is not None else os.cpu_count() or 1
    if jobs < 1:
        raise ConfigError(f"`jobs` must be an integer >= 1, got {jobs!r}")
    rows = run_loco(
        data,
        args.out,
        names or default_detectors(),
        grids=grids,
        jobs=jobs,
        options=options,
        progress=not args.quiet,
    )
    sys.stdout.write(format_loco(rows))
    log.info("loco.csv in %s", args.out)
