"""``anomalia dashboard``: the live dashboard (Dash) over a store.

Dash is imported inside the handler, so the rest of the CLI starts fast and
runs without the ``live`` extra.
"""

from __future__ import annotations

import argparse
import logging
import os
from typing import Any

from anomalia.cli.stream import DEFAULT_STORE
from anomalia.exceptions import ConfigError, MissingDependencyError

log = logging.getLogger("anomalia")

DEFAULT_PORT = 5006


def register(sub: Any) -> None:
    """Add the ``dashboard`` sub-command to the CLI's sub-parsers."""
    p = sub.add_parser("dashboard", help="live dashboard of a store: series, scores, alerts")
    p.add_argument(
        "--store",
        metavar="URL",
        help="duckdb:///FILE or influxdb://HOST:PORT/DATABASE (default: $ANOMALIA_STORE, "
        f"else {DEFAULT_STORE}, as anomalia stream)",
    )
    p.add_argument(
        "--models", metavar="DIR", help="model root for the explain view (anomalia train's)"
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"TCP port ({DEFAULT_PORT})")
    p.add_argument(
        "--refresh", type=float, default=1.0, metavar="SECONDS", help="polling interval (1)"
    )
    p.add_argument(
        "--insecure",
        action="store_true",
        help="listen on a non-loopback --host: the dashboard has no login and writes labels",
    )
    p.set_defaults(handler=dashboard)


def dashboard(args: argparse.Namespace) -> None:
    """Run the dashboard until interrupted."""
    try:
        from anomalia.dashboard import create_app
    except ImportError as error:
        raise MissingDependencyError(
            f"anomalia dashboard needs the live extra ({error.name} is missing): "
            "pip install 'anomalia[live]'"
        ) from None
    from anomalia.service.settings import is_loopback

    if args.refresh <= 0:
        raise ConfigError(f"--refresh must be a number of seconds > 0, got {args.refresh:g}")
    if not is_loopback(args.host) and not args.insecure:
        raise ConfigError(
            f"refusing to serve the dashboard on {args.host}: it has no login and anyone who "
            "reaches it can write labels and inject anomalies; pass --insecure if the network "
            "is trusted"
        )
    store = args.store or os.environ.get("ANOMALIA_STORE") or DEFAULT_STORE
    app = create_app(store, args.models, refresh_ms=int(args.refresh * 1000))
    print(f"dashboard: http://{args.host}:{args.port}/", flush=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app.run(host=args.host, port=args.port, debug=False)
