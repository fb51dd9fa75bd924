"""``--engine {local,dask}`` and its options, shared by train, detect and bench nab."""

from __future__ import annotations

import argparse

from anomalia.exceptions import ConfigError

#: Default series length above which ``detect --engine dask`` scores in time chunks.
CHUNK_ROWS = 1_000_000


def add_engine_options(parser: argparse.ArgumentParser, *, chunks: bool = False) -> None:
    """``--engine``, ``--scheduler``, ``--workers`` (and ``--partitions``, ``--chunk-rows``)."""
    group = parser.add_argument_group("engine (docs/scaling.md)")
    group.add_argument(
        "--engine",
        default="local",
        choices=["local", "dask"],
        help="local: this process; dask: one task per partition of series on a Dask "
        "cluster (default: local)",
    )
    group.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="with --engine dask: a running scheduler (default: a local cluster)",
    )
    group.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="with --engine dask and no --scheduler: local worker processes (default: 2)",
    )
    if chunks:
        group.add_argument(
            "--partitions",
            type=int,
            metavar="N",
            help="with --engine dask: tasks to split the series into (default: one per "
            "file of a dataset folder, else 4 per worker)",
        )
        group.add_argument(
            "--chunk-rows",
            type=int,
            default=CHUNK_ROWS,
            metavar="N",
            help="with --engine dask: a longer series is scored in time chunks of N rows "
            f"when its detector is causal (default: {CHUNK_ROWS:,})",
        )


def dask_engine(args: argparse.Namespace) -> bool:
    """Whether ``--engine dask`` was chosen; ConfigError for dask options without it."""
    if args.engine == "dask":
        for name in ("partitions", "chunk_rows", "workers"):
            value = getattr(args, name, None)
            if value is not None and (isinstance(value, bool) or value < 1):
                option = "--" + name.replace("_", "-")
                raise ConfigError(f"{option} must be an integer >= 1, got {value}")
        if args.scheduler:
            from anomalia.distributed.cluster import check_scheduler

            check_scheduler(args.scheduler)
        if args.scheduler and args.workers is not None:
            raise ConfigError("--workers starts a local cluster: leave it out with --scheduler")
        return True
    for name in ("scheduler", "workers", "partitions"):
        if getattr(args, name, None) is not None:
            raise ConfigError(f"--{name} applies only with --engine dask")
    return False
