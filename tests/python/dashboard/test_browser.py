"""The dashboard in a real browser: Debian's chromium, driven by Selenium through chromedriver.

The real ``anomalia dashboard`` runs on a free loopback port against a real
DuckDB store; the test writes points through the store (as the simulator
would) and scores them with the real ``anomalia stream --once``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from anomalia.dashboard.screenshot import CHROMEDRIVER, CHROMIUM, chromium
from anomalia.store import alert_id, open_store

from .conftest import HISTORY, SERIES, Stack, free_port, points

pytest.importorskip("selenium")
pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason="needs Debian's chromium and chromium-driver (deployment/install_system.sh)",
)


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


@pytest.fixture
def dashboard(stack: Stack) -> Iterator[str]:
    """The real ``anomalia dashboard`` on a free loopback port; stopped after the test."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "anomalia.cli.main", "dashboard", "--store", stack.url,
         "--models", str(stack.models), "--port", str(port), "--refresh", "0.5", "--quiet"],
        env=stack.env,
    )  # fmt: skip
    try:
        import socket

        def listening() -> bool:
            assert process.poll() is None, "anomalia dashboard exited"
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", port)) == 0

        wait_for(listening, 60, "the dashboard to listen")
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def browser(tmp_path) -> Iterator[object]:
    """Headless chromium; Selenium Manager never runs (binary and driver are given)."""
    driver = chromium(tmp_path / "chromium")
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def traces(driver) -> list[list[str]] | None:
    """The x values of each trace of the live figure, as the page holds them."""
    return driver.execute_script(
        "const g = document.querySelector('#series-graph .js-plotly-plot');"
        "return g && g.data && g.data.length ? g.data.map(t => Array.from(t.x || [])) : null;"
    )


def test_new_points_flags_and_feedback_in_a_browser(stack, dashboard, browser):
    from selenium.webdriver.common.by import By

    browser.get(dashboard)
    shown = wait_for(lambda: traces(browser), 40, "the live figure")
    first = len(shown[0])
    assert first > 0
    browser.execute_script("window.sameDocument = true;")

    # A new point appears without a reload.
    with open_store(stack.url) as store:
        store.write_observations(points(HISTORY, 1))
    wait_for(lambda: len(traces(browser)[0]) == first + 1, 15, "the new point")
    assert browser.execute_script("return window.sameDocument === true;")

    # "inject" asks the simulator for a spike; the test plays the simulator's part.
    browser.find_element(By.ID, "btn-inject").click()

    def requested():
        with open_store(stack.url) as store:
            return len(store.read_injections())

    wait_for(requested, 10, "the injection request")
    with open_store(stack.url) as store:
        request = store.read_injections().iloc[-1]
        assert (request["series_id"], request["kind"]) == (SERIES, "spike")
        spike = points(HISTORY + 1, 1, spike=8.0)
        store.write_observations(spike)
    stack.stream_once()

    onset = spike["timestamp"].iloc[0]
    flagged_at = onset.tz_localize(None).isoformat()
    wait_for(
        lambda: any(x.startswith(flagged_at) for x in traces(browser)[1]), 10, "the spike's flag"
    )
    alert = alert_id("zscore", SERIES, onset)
    choice = wait_for(
        lambda: browser.find_elements(By.CSS_SELECTOR, f"#alert-picker input[value='{alert}']"),
        10,
        "the spike's alert in the list",
    )
    choice[0].click()
    wait_for(
        lambda: "zscore on s1" in browser.find_element(By.ID, "explain-note").text,
        15,
        "the explain view",
    )
    assert browser.find_elements(By.CSS_SELECTOR, "#explain-graph .js-plotly-plot")

    browser.find_element(By.ID, "btn-false-alarm").click()

    def labelled():
        with open_store(stack.url) as store:
            labels = store.read_labels()
        return not labels.empty and labels.set_index("alert_id")["label"].get(alert) == 0

    wait_for(labelled, 10, "the false-alarm label in the store")
