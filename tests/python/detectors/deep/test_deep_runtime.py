"""TensorFlow loads only for deep detectors, and its absence is explained."""

from __future__ import annotations

import subprocess
import sys

import pytest


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_package_cli_and_registry_do_not_import_tensorflow():
    done = run_python(
        "import sys, contextlib, io\n"
        "import anomalia\n"
        "from anomalia.cli.main import build_parser, main\n"
        "from anomalia.detectors.registry import available_detectors, get_detector_class\n"
        "classes = [get_detector_class(name) for name in available_detectors()]\n"
        "with contextlib.redirect_stdout(io.StringIO()) as listing:\n"
        "    main(['detectors'])\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    build_parser().parse_args(['--help'])\n"
        "assert 'lstm_ae' in listing.getvalue(), listing.getvalue()\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras'))\n"
        "print(loaded)\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_fitting_without_tensorflow_names_the_install_command():
    done = run_python(
        "import sys\n"
        "sys.modules['tensorflow'] = None  # as if not installed\n"
        "import numpy as np\n"
        "from anomalia.detectors.registry import make_detector\n"
        "make_detector('lstm_ae').fit(np.sin(np.arange(300.0)))\n"
    )
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert "MissingDependencyError" in last
    assert "install them with: pip install 'anomalia[deep]'" in last


@pytest.mark.parametrize("command", [["--help"], ["detectors"]])
def test_cli_output_stays_clean(command):
    anomalia = [sys.executable, "-m", "anomalia.cli.main", *command]
    done = subprocess.run(anomalia, capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == ""
