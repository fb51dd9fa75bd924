"""``anomalia eda``: the R Markdown exploratory report, knitted by the R package.

Runs ``anomaliaR::render_eda()`` with ``Rscript`` (R, pandoc and the package
installed by ``make install``), with the project's R library and this Python
for reticulate. anomaliaR's errors come back as one line, with the usual
exit status (1 data error, 2 usage error).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

from anomalia.exceptions import AnomaliaError, ConfigError, DataError, MissingDependencyError

log = logging.getLogger("anomalia")

# Exit 10: data error, 11: argument error, 12: anomaliaR missing, 13: another R
# package or pandoc missing; R's own failures exit 1.
_RENDER = """
args <- commandArgs(trailingOnly = TRUE)
if (!requireNamespace("anomaliaR", quietly = TRUE)) quit(status = 12)
fail <- function(status) function(e) {
  cat(conditionMessage(e), "\\n", file = stderr(), sep = "")
  quit(status = status)
}
period <- if (args[[4]] == "detect") NULL else as.integer(args[[4]])
output <- tryCatch(
  anomaliaR::render_eda(args[[1]], output = args[[2]], max_series = as.integer(args[[3]]),
                        period = period),
  anomalia_data_error = fail(10), anomalia_argument_error = fail(11),
  anomalia_dependency_error = fail(13)
)
cat(output, "\\n", sep = "")
"""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``eda`` sub-command."""
    p = sub.add_parser("eda", help="knit the R Markdown EDA report of an observations file")
    p.add_argument("data", metavar="FILE", help="observations parquet")
    p.add_argument(
        "--out", metavar="FILE", help="HTML report (default: reports/eda/<FILE name>.html)"
    )
    p.add_argument("--max-series", type=int, default=6, help="series shown in the figures")
    p.add_argument("--period", type=int, help="season length in rows (default: detected)")
    p.set_defaults(handler=eda)


def _r_environment() -> dict[str, str]:
    from anomalia.r.session import library_path

    env = dict(os.environ)
    env["R_LIBS"] = os.pathsep.join(filter(None, [str(library_path()), env.get("R_LIBS", "")]))
    env.setdefault("RETICULATE_PYTHON", sys.executable)
    return env


def eda(args: argparse.Namespace) -> None:
    """``anomalia eda``: write the self-contained HTML report."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        raise MissingDependencyError(
            "the EDA report needs R (Rscript not found); install it with "
            "`bash deployment/install_system.sh`, then `make install`"
        )
    data = Path(args.data)
    if not data.is_file():
        raise DataError(f"{data}: no such file")
    out = Path(args.out) if args.out else Path("reports") / "eda" / f"{data.stem}.html"
    if args.max_series < 1:
        raise ConfigError(f"--max-series must be >= 1, got {args.max_series}")
    period = "detect" if args.period is None else str(args.period)
    log.info("knitting the EDA report of %s with R (this takes a little while)", data)
    result = subprocess.run(
        [rscript, "-e", _RENDER, str(data), str(out), str(args.max_series), period],
        env=_r_environment(),
        capture_output=True,
        text=True,
    )
    lines = result.stderr.strip().splitlines()
    message = lines[-1] if lines else ""
    if result.returncode == 10:
        raise DataError(message)
    if result.returncode == 11:
        raise ConfigError(message)
    if result.returncode == 12:
        raise MissingDependencyError(
            "the R package anomaliaR is not installed; install it with `make install`"
        )
    if result.returncode == 13:
        raise MissingDependencyError(message)
    if result.returncode != 0:
        errors = [line.strip() for line in lines if line.strip() != "Execution halted"]
        detail = " ".join(errors[-3:])
        raise AnomaliaError(f"R failed to knit the report (exit {result.returncode}): {detail}")
    log.info("wrote the EDA report to %s", result.stdout.strip() or out)
