"""The alert-budget options of ``anomalia detect``: ``--alerts-per-day`` / ``--alerts-per-1000``."""

from __future__ import annotations

import argparse
import math
from typing import Any


def positive_number(text: str) -> float:
    """argparse type: a finite number > 0 (a usage error otherwise)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def add_budget_options(parser: argparse.ArgumentParser) -> None:
    """Add the two mutually exclusive budget flags to ``parser``."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--alerts-per-day",
        type=positive_number,
        metavar="N",
        help="flag so that about N alerts a day are raised (an alert: a run of flagged "
        "points); replaces the trained threshold",
    )
    group.add_argument(
        "--alerts-per-1000",
        type=positive_number,
        metavar="N",
        help="as --alerts-per-day, in alerts per 1,000 points",
    )


def budget_spec(args: argparse.Namespace) -> dict[str, Any] | None:
    """The ``budget`` threshold spec the flags ask for, or None without a budget flag."""
    if args.alerts_per_day is not None:
        return {"method": "budget", "alerts_per_day": args.alerts_per_day}
    if args.alerts_per_1000 is not None:
        return {"method": "budget", "alerts_per_1000": args.alerts_per_1000}
    return None
