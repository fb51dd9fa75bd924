"""``anomalia store prune``: delete a store's old rows, once (docs/live.md, Retention).

``anomalia stream --retention`` prunes the same way as it runs; the age flags
of both read :func:`age`.
"""

from __future__ import annotations

import argparse
import re
from datetime import timedelta
from typing import Any

_AGE = re.compile(r"\s*([0-9]+)\s*([dhw])\s*", re.IGNORECASE)
_UNITS = {"d": "days", "h": "hours", "w": "weeks"}
#: The form an age flag takes, for its help and its error.
AGE_FORM = "a whole number of days, hours or weeks such as 30d, 12h or 2w"


def age(text: str) -> timedelta:
    """argparse type: a positive age such as ``30d``, ``12h`` or ``2w``.

    Minutes are not offered: an operator's ``6m`` may mean months.
    """
    found = _AGE.fullmatch(text)
    if found is None or int(found.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"expected {AGE_FORM}, got {text!r}")
    return timedelta(**{_UNITS[found.group(2).lower()]: int(found.group(1))})


def table_list(text: str) -> tuple[str, ...]:
    """argparse type: comma-separated table names among :data:`anomalia.store.base.PRUNABLE`."""
    from anomalia.store.base import PRUNABLE  # pandas loads only when the command runs

    names = tuple(name.strip() for name in text.split(","))
    unknown = [name for name in names if name not in PRUNABLE]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"expected a comma-separated list of {', '.join(PRUNABLE)}, got {unknown[0]!r}"
        )
    return names


def register(sub: Any) -> None:
    """Add the ``store`` sub-command (with its ``prune`` action) to the CLI."""
    p = sub.add_parser("store", help="maintain a live store: prune old rows")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    prune = actions.add_parser(
        "prune", help="delete observations and scores older than an age, once"
    )
    prune.add_argument(
        "--store",
        required=True,
        metavar="URL",
        help="duckdb:///FILE or influxdb://HOST:PORT/DATABASE",
    )
    prune.add_argument(
        "--older-than",
        required=True,
        type=age,
        metavar="AGE",
        help=f"delete rows timed before now minus AGE: {AGE_FORM}",
    )
    prune.add_argument(
        "--tables",
        type=table_list,
        metavar="T1,T2",
        help="among observations, scores, alerts, labels (default: observations,scores; "
        "labels and alerts are kept unless named)",
    )
    # The CLI's common flags, accepted after `prune` too; SUPPRESS keeps values given before it.
    prune.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS)
    prune.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    prune.set_defaults(handler=prune_store)


def prune_store(args: argparse.Namespace) -> None:
    """Prune once; print the cutoff and the rows deleted per table."""
    import pandas as pd

    from anomalia.store import describe_pruned, open_store
    from anomalia.store.base import PRUNED_BY_DEFAULT

    cutoff = pd.Timestamp.now(tz="UTC") - args.older_than
    with open_store(args.store) as store:
        counts = store.prune(cutoff, args.tables or PRUNED_BY_DEFAULT)
    print(f"{store.url}: deleted rows before {cutoff.isoformat()}: {describe_pruned(counts)}")
