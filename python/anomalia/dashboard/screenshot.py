"""``python -m anomalia.dashboard.screenshot``: a PNG of the dashboard, as the README shows it.

Starts ``anomalia dashboard`` on a free loopback port over a store, opens it
in headless Chromium (Debian's ``chromium`` and ``chromedriver``, driven by
Selenium; Selenium Manager never runs), picks the alert with the highest
score so that the explain view is filled, saves the page and stops the dashboard::

    python -m anomalia.dashboard.screenshot --store duckdb:///data/live.duckdb \\
        --models data/models --out docs/img/dashboard.png
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from anomalia.exceptions import MissingDependencyError

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
#: Chromium's flags for a headless run that reaches nothing but the dashboard.
FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
)  # fmt: skip


def chromium(user_data: Path, width: int = 1400, height: int = 1000):
    """A headless Chromium WebDriver on Debian's browser and driver."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        raise MissingDependencyError(
            "screenshots need selenium: pip install 'anomalia[dev]'"
        ) from None
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={user_data}", f"--window-size={width},{height}"):
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.3)
    raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")


def screenshot(store: str, models: str | None, out: Path, height: int = 1250) -> Path:
    """Save a PNG of the dashboard over ``store`` to ``out``; returns ``out``."""
    from selenium.webdriver.common.by import By

    port = _free_port()
    command = [sys.executable, "-m", "anomalia.cli.main", "dashboard", "--store", store,
               "--port", str(port), "--quiet"]  # fmt: skip
    if models:
        command += ["--models", models]
    server = subprocess.Popen(command)
    try:
        with tempfile.TemporaryDirectory() as user_data:
            driver = chromium(Path(user_data), height=height)
            try:

                def listening() -> bool:
                    with socket.socket() as probe:
                        return probe.connect_ex(("127.0.0.1", port)) == 0

                _wait(listening, 60, "the dashboard")
                driver.get(f"http://127.0.0.1:{port}/")
                _wait(
                    lambda: driver.execute_script(
                        "const g = document.querySelector('#series-graph .js-plotly-plot');"
                        "return g && g.data && g.data.length > 0 && g.data[0].x.length > 0;"
                    ),
                    60,
                    "the live figure",
                )
                alerts = _wait(
                    lambda: driver.find_elements(By.CSS_SELECTOR, "#alert-picker input"),
                    20,
                    "an alert",
                )
                # The alert with the highest score: the clearest explain view.
                labels = driver.find_elements(By.CSS_SELECTOR, "#alert-picker label")
                scores = [float(label.text.split(" score ")[1].split()[0]) for label in labels]
                alerts[scores.index(max(scores))].click()
                _wait(
                    lambda: (
                        driver.find_elements(By.CSS_SELECTOR, "#explain-graph .js-plotly-plot")
                        and " on " in driver.find_element(By.ID, "explain-note").text
                    ),
                    30,
                    "the explain view",
                )
                time.sleep(1.0)  # let plotly finish drawing
                out.parent.mkdir(parents=True, exist_ok=True)
                temporary = out.with_name(f".{out.name}.tmp.png")
                driver.save_screenshot(str(temporary))
                temporary.replace(out)
            finally:
                driver.quit()
    finally:
        server.terminate()
        server.wait(timeout=20)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m anomalia.dashboard.screenshot")
    parser.add_argument("--store", required=True, metavar="URL")
    parser.add_argument("--models", metavar="DIR", help="model root, for the explain view")
    parser.add_argument("--out", default="docs/img/dashboard.png", metavar="FILE")
    parser.add_argument("--height", type=int, default=1250, help="window height in pixels")
    options = parser.parse_args(argv)
    print(screenshot(options.store, options.models, Path(options.out), options.height))
    return 0


if __name__ == "__main__":
    sys.exit(main())
