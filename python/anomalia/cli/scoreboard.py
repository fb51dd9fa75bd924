"""``anomalia evaluate --report [DIR]``: the HTML evaluation report beside the metrics CSV."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas loads inside the handler, so `anomalia --help` stays fast
    import pandas as pd

from anomalia.exceptions import DataError

log = logging.getLogger("anomalia")

DEFAULT_REPORT = Path("reports/evaluation")


def add_report_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--report [DIR]`` to the ``evaluate`` parser."""
    parser.add_argument(
        "--report",
        nargs="?",
        const=str(DEFAULT_REPORT),
        metavar="DIR",
        help=f"also write the HTML evaluation report (default DIR: {DEFAULT_REPORT})",
    )


def _timings(scores_path: Path, models: str | None, detectors: list[str]) -> pd.DataFrame | None:
    """Timings written by ``anomalia detect``; else fit seconds from the model manifests."""
    import pandas as pd

    from anomalia.timings import read_timings, timings_path

    path = timings_path(scores_path)
    if path.is_file():
        return read_timings(path)
    if not models:
        return None
    rows = []
    for name in detectors:
        manifest = Path(models) / name / "manifest.json"
        if manifest.is_file():
            try:
                fit = json.loads(manifest.read_text()).get("fit_seconds", float("nan"))
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                raise DataError(f"{manifest}: not valid JSON ({error})") from None
            rows.append({"detector": name, "fit_seconds": fit, "score_seconds": float("nan")})
    return pd.DataFrame(rows) if rows else None


def write_evaluation_report(
    args: argparse.Namespace,
    metrics: pd.DataFrame,
    scores: pd.DataFrame,
    scores_path: Path,
    train_ends: dict[str, Any],
) -> None:
    """Write the report to ``args.report`` when it was asked for."""
    if args.report is None:
        return
    from anomalia.alerts import held_out_alerts
    from anomalia.report.scoreboard import write_scoreboard

    detectors = [str(name) for name in metrics["detector"]]
    index = write_scoreboard(
        args.report,
        metrics,
        alerts=held_out_alerts(scores, train_ends)[["detector", "alerts_per_day"]],
        timings=_timings(scores_path, args.models, detectors),
    )
    log.info("wrote evaluation report to %s", index)
