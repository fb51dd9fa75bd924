"""``anomalia stream``: score what a store receives, continuously (docs/live.md)."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import Any

from anomalia.cli.budget import add_budget_options, budget_spec
from anomalia.cli.engine import add_engine_options, dask_engine
from anomalia.cli.store import AGE_FORM, age

log = logging.getLogger("anomalia")

DEFAULT_STORE = "duckdb:///data/live.duckdb"
DEFAULT_STATE = "data/live/stream-state"


def interval(text: str) -> float:
    """argparse type: a positive duration such as ``1s``, ``500ms`` or ``2`` (seconds)."""
    import pandas as pd

    try:
        seconds = float(text) if text.replace(".", "", 1).isdigit() else None
        if seconds is None:
            seconds = pd.Timedelta(text).total_seconds()
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise argparse.ArgumentTypeError(
            f"expected a positive duration such as 1s or 500ms, got {text!r}"
        )
    return seconds


def register(sub: Any) -> None:
    """Add the ``stream`` sub-command to the CLI's sub-parsers."""
    p = sub.add_parser(
        "stream", help="score new points of a store continuously; write scores and alerts back"
    )
    p.add_argument(
        "--store",
        metavar="URL",
        help=f"duckdb:///FILE or influxdb://HOST:PORT/DB (default: $ANOMALIA_STORE, else "
        f"{DEFAULT_STORE})",
    )
    p.add_argument("--models", metavar="DIR", help="model root of `anomalia train` (paths.models)")
    p.add_argument(
        "--detector", action="append", metavar="NAME", help="repeatable (default: every trained)"
    )
    p.add_argument(
        "--state",
        metavar="DIR",
        default=DEFAULT_STATE,
        help=f"checkpoints (default {DEFAULT_STATE})",
    )
    p.add_argument(
        "--interval", type=interval, default=1.0, metavar="DURATION", help="between cycles (1s)"
    )
    p.add_argument("--once", action="store_true", help="score what is there, then exit")
    p.add_argument(
        "--retention",
        type=age,
        metavar="AGE",
        help="delete observations and scores older than AGE (wall clock) after the first "
        f"cycle, then hourly; {AGE_FORM} (default: keep everything)",
    )
    p.add_argument("--webhook", metavar="URL", help="POST each alert as JSON to this URL")
    add_budget_options(p)
    p.add_argument("--metrics-port", type=int, metavar="N", help="serve Prometheus /metrics")
    p.add_argument(
        "--metrics-host", default="127.0.0.1", metavar="HOST", help="interface of /metrics"
    )
    p.add_argument(
        "--log-every", type=int, default=10, metavar="N", help="a progress line every N cycles"
    )
    add_engine_options(p)
    p.set_defaults(handler=stream)


def stream(args: argparse.Namespace) -> None:
    """``anomalia stream``: the loop of :class:`anomalia.live.stream.Stream`."""
    from anomalia.cli.commands import cli_config
    from anomalia.detectors.params import check_threshold_spec
    from anomalia.exceptions import ConfigError
    from anomalia.live.alerts import Webhook
    from anomalia.live.checkpoint import Checkpoints
    from anomalia.live.metrics import StreamMetrics
    from anomalia.live.stream import Stream, install_signal_handlers, load_model_sets
    from anomalia.store import open_store

    if args.log_every < 1:
        raise ConfigError(f"--log-every must be an integer >= 1, got {args.log_every}")
    if args.webhook:
        try:
            webhook = Webhook(args.webhook)
        except ValueError as error:
            raise ConfigError(str(error)) from None
    else:
        webhook = None
    budget = budget_spec(args)
    if budget:
        check_threshold_spec(budget)
    on_cluster = dask_engine(args)  # engine options checked before the store is opened
    url = args.store or os.environ.get("ANOMALIA_STORE") or DEFAULT_STORE
    models = Path(args.models or cli_config(args).paths.models)
    with open_store(url) as store:  # a bad URL is reported before models are read
        model_sets = load_model_sets(models, args.detector)
        if budget:
            for model_set in model_sets.values():
                model_set.rethreshold(budget)
        metrics = None
        if args.metrics_port is not None:
            metrics = StreamMetrics()
            metrics.serve(args.metrics_port, args.metrics_host)
            log.info("metrics on http://%s:%d/metrics", args.metrics_host, args.metrics_port)
        checkpoints = Checkpoints(args.state, url)
        try:
            if on_cluster:  # the same loop, scoring by partitions on a Dask cluster
                from anomalia.distributed.live import run_stream

                run_stream(args, store, model_sets, checkpoints, webhook=webhook, metrics=metrics,
                           retention=args.retention)  # fmt: skip
                return
            runner = Stream(
                store,
                model_sets,
                checkpoints,
                webhook=webhook,
                metrics=metrics,
                retention=args.retention,
            )
            if not args.once:
                install_signal_handlers(runner)
            log.info(
                "streaming %s from %s (%d series checkpointed, cycle %d)",
                ", ".join(model_sets),
                url,
                len(runner.progress.cursor),
                runner.progress.cycle,
            )
            runner.run(args.interval, once=args.once, log_every=args.log_every)
        finally:
            checkpoints.close()
            if metrics is not None:
                metrics.close()
