"""``anomalia simulate``: replay a dataset, or synthetic data, into a store."""

from __future__ import annotations

import argparse
import logging
import math
import signal
import threading

from anomalia.cli.inputs import add_data_option, add_reading_options
from anomalia.exceptions import ConfigError

log = logging.getLogger("anomalia")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``simulate`` sub-command."""
    p = sub.add_parser(
        "simulate",
        help="replay observations (or synthetic data) into a store in real time, or faster",
    )
    p.add_argument(
        "--store",
        required=True,
        metavar="URL",
        help="duckdb:///PATH.duckdb or influxdb://HOST:PORT/DATABASE",
    )
    add_data_option(p, "observations to replay, parquet or CSV (default: synthetic data)")
    add_reading_options(p, events=False)
    p.add_argument(
        "--speed",
        default="1",
        metavar="X",
        help="data seconds per wall second, or `max` to write as fast as the store takes (1)",
    )
    p.add_argument(
        "--inject",
        action="append",
        default=[],
        metavar="KIND@+OFFSET",
        help="inject spike, level_shift, variance_burst or flatline OFFSET (data time) after "
        "the start, e.g. spike@+5m or level_shift@+1h,series=ID,magnitude=4,length=30; "
        "repeatable",
    )
    p.add_argument("--duration", metavar="TIME", help="stop after this wall time, e.g. 10m")
    p.add_argument(
        "--timestamps",
        default="now",
        choices=["now", "keep"],
        help="now: move the data so its replay starts at the current time; keep: as stored",
    )
    p.add_argument(
        "--start-fraction",
        type=float,
        default=0.0,
        metavar="F",
        help="skip this share of each series' time span (0.5: replay the second half)",
    )
    p.add_argument(
        "--backfill",
        metavar="TIME",
        help="write the data of this span before the start at once, e.g. 2h",
    )
    synthetic = p.add_argument_group("synthetic data (without --data; defaults: configuration)")
    synthetic.add_argument("--series", type=int, metavar="N", help="number of series")
    synthetic.add_argument("--length", type=int, help="points per series")
    synthetic.add_argument("--freq", help="sampling interval, e.g. 5min or 1s")
    synthetic.add_argument("--seed", type=int, help="random seed (also of injected noise)")
    p.set_defaults(handler=simulate)


def _duration(text: str | None, option: str):
    import pandas as pd

    if text is None:
        return None
    try:
        value = pd.Timedelta(text)
    except ValueError:
        raise ConfigError(
            f"{option} must be a duration such as 30s, 10m or 2h, got {text!r}"
        ) from None
    if value <= pd.Timedelta(0):
        raise ConfigError(f"{option} must be positive, got {text!r}")
    return value


def _speed(text: str) -> float:
    if text.strip().lower() == "max":
        return math.inf
    try:
        speed = float(text)
    except ValueError:
        speed = math.nan
    if not (speed > 0 and math.isfinite(speed)):
        raise ConfigError(f"--speed must be a positive number or `max`, got {text!r}")
    return speed


def simulate(args: argparse.Namespace) -> None:
    """Replay until the data ends, ``--duration`` passes, or Ctrl-C / SIGTERM."""
    from anomalia.cli.commands import cli_config
    from anomalia.live.injections import parse_injection
    from anomalia.live.simulate import Simulator, prepare
    from anomalia.store import open_store

    speed = _speed(args.speed)
    duration = _duration(args.duration, "--duration")
    backfill = _duration(args.backfill, "--backfill")
    planned = [parse_injection(text) for text in args.inject]
    if args.data:
        from anomalia.cli.inputs import read_data

        observations = read_data(args, args.data, args.data[0])
    else:
        from anomalia.synthetic import generate

        config = cli_config(args).synthetic
        observations = generate(
            n_series=args.series or config.n_series,
            length=args.length or config.length,
            freq=args.freq or config.freq,
            seed=config.seed if args.seed is None else args.seed,
        ).observations
    replay = prepare(
        observations,
        start_fraction=args.start_fraction,
        backfill=backfill,
        timestamps=args.timestamps,
    )
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        log.info("%s: stopping after the current write", signal.Signals(signum).name)
        stop.set()

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with open_store(args.store) as store:
            simulator = Simulator(
                store, replay, speed=speed, injections=planned, seed=args.seed or 0
            )
            log.info(
                "replaying %d points of %d series into %s at speed %s",
                len(replay.rows),
                len(replay.series),
                store.url,
                args.speed,
            )
            written = simulator.run(
                duration=None if duration is None else duration.total_seconds(), stop=stop
            )
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    log.info("wrote %d points; %d injection(s) applied", written, len(simulator.applied))
