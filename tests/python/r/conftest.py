"""Fixtures for the R half: an environment in which Rscript finds anomaliaR.

`make install` installs the R package into ``.Rlib/`` at the repository root;
these tests point ``R_LIBS`` there and ``RETICULATE_PYTHON`` at this Python.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
R_LIBRARY = ROOT / ".Rlib"


@pytest.fixture(scope="session")
def r_env() -> dict[str, str]:
    """Environment for ``Rscript`` subprocesses that load anomaliaR."""
    if shutil.which("Rscript") is None:
        pytest.skip("R is not installed (deployment/install_system.sh installs it)")
    env = dict(os.environ)
    env["R_LIBS"] = os.pathsep.join(filter(None, [str(R_LIBRARY), env.get("R_LIBS", "")]))
    env["RETICULATE_PYTHON"] = sys.executable
    check = subprocess.run(
        ["Rscript", "-e", "library(anomaliaR)"], env=env, capture_output=True, text=True
    )
    if check.returncode != 0:
        pytest.fail(f"anomaliaR is not in {R_LIBRARY}: run `make install`\n{check.stderr}")
    return env


def run_r(code: str, env: dict[str, str], timeout: float = 300) -> str:
    """Run R ``code`` with Rscript and return its stdout; fail with R's stderr."""
    result = subprocess.run(
        ["Rscript", "-e", code], env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        pytest.fail(f"Rscript failed ({result.returncode}):\n{result.stderr}")
    return result.stdout
