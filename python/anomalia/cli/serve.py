"""``anomalia serve`` (the HTTP service) and ``anomalia monitor`` (a scores file summarised).

FastAPI and uvicorn are imported inside the handlers, so the rest of the CLI
starts fast and runs without the ``serve`` extra.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
from pathlib import Path
from typing import Any

from anomalia.exceptions import MissingDependencyError

log = logging.getLogger("anomalia")


def register(sub: Any) -> None:
    """Add the ``serve`` and ``monitor`` sub-commands to the CLI's sub-parsers."""
    p = sub.add_parser("serve", help="serve trained detectors over HTTP (FastAPI)")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    p.add_argument("--port", type=int, default=8000, help="TCP port")
    p.add_argument(
        "--models",
        metavar="DIR",
        help="model root written by `anomalia train` (default: $ANOMALIA_MODELS_DIR, "
        "else paths.models), or an MLflow model: models:/NAME@ALIAS, models:/NAME/VERSION, "
        "runs:/ID/model",
    )
    p.add_argument(
        "--tracking-uri",
        metavar="URI",
        help="MLflow store of a models:/ or runs:/ --models (default: $MLFLOW_TRACKING_URI, "
        "else results/mlflow)",
    )
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    p.set_defaults(handler=serve)

    p = sub.add_parser("monitor", help="summarise a scores file: volumes, rates, drift")
    p.add_argument("scores", metavar="SCORES", help="scores parquet from `anomalia detect`")
    p.add_argument("--data", metavar="FILE", help="observations to check for drift")
    p.add_argument(
        "--models", metavar="DIR", help="model root whose training references --data is held to"
    )
    p.add_argument("--json", action="store_true", help="JSON instead of tables")
    p.set_defaults(handler=monitor)


def serve(args: argparse.Namespace) -> None:
    """``anomalia serve``: run the service until interrupted."""
    try:
        import uvicorn

        from anomalia.service.logs import logging_config
        from anomalia.service.main import create_app
        from anomalia.service.settings import Settings
    except ImportError as error:
        raise MissingDependencyError(
            f"anomalia serve needs the serve extra ({error.name} is missing): "
            "pip install 'anomalia[serve]'"
        ) from None
    from anomalia.cli.commands import cli_config
    from anomalia.tracking.uris import is_model_uri

    models = args.models or os.environ.get("ANOMALIA_MODELS_DIR") or cli_config(args).paths.models
    if is_model_uri(models):  # served from MLflow; its copies go to paths.models' registry
        settings = Settings(
            models_dir=cli_config(args).paths.models,
            model_source=str(models),
            tracking_uri=args.tracking_uri,
        )
    else:
        settings = Settings(models_dir=Path(models))
    level = "WARNING" if args.quiet else args.log_level.upper()
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_config=logging_config(level),
        access_log=False,
    )


def monitor(args: argparse.Namespace) -> None:
    """``anomalia monitor``: per detector and series, points, anomalies, rates, quantiles."""
    from anomalia.contract import read_observations, read_scores
    from anomalia.exceptions import ConfigError
    from anomalia.monitor import drift_against_models, summarise_scores

    if bool(args.data) != bool(args.models):
        raise ConfigError("--data and --models go together: drift needs both")
    scores = read_scores(args.scores)
    summary = summarise_scores(scores)
    drift = None
    if args.data:
        detectors = sorted(scores["detector"].unique())
        drift = drift_against_models(read_observations(args.data), args.models, detectors)
    if args.json:
        out: dict[str, Any] = {
            "summary": json.loads(summary.to_json(orient="records", date_format="iso"))
        }
        if drift is not None:
            out["drift"] = json.loads(drift.to_json(orient="records"))
        print(json.dumps(out, indent=2))
        return
    print(summary.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if drift is not None:
        print()
        if drift.empty:
            print("drift: no training reference saved with these models (retrain to record one)")
        else:
            print(drift.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
