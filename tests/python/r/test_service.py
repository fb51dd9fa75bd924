"""The plumber service, started for real on a free loopback port.

The R half's done-when check: a SARIMA model set trained by `anomalia
train` is served by plumber, which answers `POST /sarima/detect` with the
scores `anomalia detect` gives, without refitting.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

httpx = pytest.importorskip("httpx")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(code: str, env: dict[str, str], port: int) -> tuple[subprocess.Popen, str]:
    """Start the R service with ``code`` and wait until /health answers."""
    process = subprocess.Popen(
        ["Rscript", "-e", code],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            pytest.fail(f"the R service exited: {process.stderr.read()}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.terminate()
            pytest.fail("the R service did not answer /health within 120 s")
        time.sleep(0.3)


def _stop(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        _, stderr = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
    return stderr


@pytest.fixture(scope="module")
def service(r_env) -> Iterator[str]:
    port = _free_port()
    process, url = _start(
        f"anomaliaR::serve(host = '127.0.0.1', port = {port}, workers = 1)", r_env, port
    )
    try:
        yield url
    finally:
        _stop(process)


def test_health(service):
    answer = httpx.get(f"{service}/health").json()
    assert answer["status"] == "ok"
    assert answer["version"] == "0.1.0"
    assert answer["models"] == []


def test_impute_fills_and_flags(service):
    response = httpx.post(f"{service}/impute", json={"values": [1.0, None, None, 4.0]})
    assert response.status_code == 200
    assert response.json() == {"values": [1, 2, 3, 4], "imputed": [False, True, True, False]}


@pytest.mark.parametrize(
    ("route", "body", "message"),
    [
        ("/impute", '{"values": [1, null', "must be valid JSON"),
        ("/impute", "[1, 2]", "must be a JSON object"),
        ("/impute", '{"values": ["a"]}', "`values` must be an array of numbers"),
        ("/sarima/detect", '{"train": "abc"}', "`train` must be an array of numbers"),
        ("/sarima/detect", '{"train": [1, 2, 3], "params": {"lags": 2}}', "not `lags`"),
    ],
)
def test_malformed_bodies_get_400_naming_the_problem(service, route, body, message):
    response = httpx.post(
        f"{service}{route}", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert message in response.json()["error"]


def _observations(path: Path) -> pd.DataFrame:
    from anomalia.contract import write_observations

    frames = []
    for series_id, seed in (("cpu", 7), ("mem", 8)):
        rng = np.random.default_rng(seed)
        n = 240
        values = np.sin(2 * np.pi * np.arange(n) / 12) + 0.3 * rng.normal(size=n)
        values[200] += 6
        frames.append(
            pd.DataFrame(
                {
                    "series_id": series_id,
                    "timestamp": pd.date_range("2024-01-01", periods=n, freq="h", tz="UTC"),
                    "value": values,
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    write_observations(frame, path)
    return frame


@pytest.fixture(scope="module")
def trained(r_env, tmp_path_factory) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    """A SARIMA model set trained by the CLI, and the scores `anomalia detect` gives."""
    from anomalia.contract import read_scores

    folder = tmp_path_factory.mktemp("served")
    frame = _observations(folder / "data.parquet")
    cli = [sys.executable, "-m", "anomalia.cli.main"]
    common = ["--data", "data.parquet", "--models", "models", "--quiet", "--detector", "sarima"]
    for command in (
        ["train", *common, "--train-fraction", "0.5", "--param", "max_order=1"],
        ["detect", *common, "--out", "scores.parquet"],
    ):
        result = subprocess.run(
            cli + command, cwd=folder, env=r_env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
    return folder / "models", frame, read_scores(folder / "scores.parquet")


@pytest.fixture(scope="module")
def served(r_env, trained) -> Iterator[tuple[str, subprocess.Popen]]:
    """The service with the trained models, an API key and two workers."""
    models, _, _ = trained
    port = _free_port()
    env = {**r_env, "ANOMALIA_API_KEY": "s3cret"}
    code = (
        f"anomaliaR::serve(host = '127.0.0.1', port = {port}, models = '{models}', "
        "workers = 2, max_body_bytes = 200000)"
    )
    process, url = _start(code, env, port)
    try:
        yield url, process
    finally:
        _stop(process)


KEY = {"X-API-Key": "s3cret"}


def test_a_cli_trained_sarima_is_served_with_the_scores_of_anomalia_detect(served, trained):
    url, _ = served
    _, frame, scores = trained
    body = {
        "series": [
            {"series_id": name, "values": part["value"].tolist()}
            for name, part in frame.groupby("series_id", sort=True)
        ]
    }
    response = httpx.post(f"{url}/sarima/detect", json=body, headers=KEY, timeout=120)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["model"] == "sarima"
    for entry in answer["series"]:
        expected = scores.loc[scores["series_id"] == entry["series_id"], "score"].to_numpy()
        np.testing.assert_allclose(entry["scores"], expected, rtol=1e-9, atol=1e-9)
        assert int(np.argmax(entry["scores"])) == 200
        assert entry["is_anomaly"][200]
    # One series, without the `series` list.
    one = body["series"][1]
    response = httpx.post(f"{url}/sarima/detect", json=one, headers=KEY, timeout=120)
    assert response.status_code == 200, response.text
    single = response.json()
    assert single["series_id"] == "mem"
    assert single["scores"] == answer["series"][1]["scores"]


def test_served_models_are_listed_and_unknown_series_named(served):
    url, _ = served
    models = httpx.get(f"{url}/models", headers=KEY).json()
    assert models == [
        {
            "name": "sarima",
            "detector": "sarima",
            "series": ["cpu", "mem"],
            "value_columns": ["value"],
        }
    ]
    response = httpx.post(
        f"{url}/sarima/detect", json={"series_id": "disk", "values": [1, 2, 3]}, headers=KEY
    )
    assert response.status_code == 400
    assert "series `disk` has no trained `sarima` model; trained series: cpu, mem" in response.text
    response = httpx.post(
        f"{url}/stl/detect", json={"series_id": "cpu", "values": [1, 2, 3]}, headers=KEY
    )
    assert response.status_code == 404
    assert "No stl model set is loaded" in response.json()["error"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"series": [{"values": [1.0]}]}, "`series[1].series_id` must be a string, not missing"),
        ({"series_id": "cpu", "values": ["a"]}, "`values` must be an array of numbers"),
        ({"series": "cpu"}, "`series` must be a non-empty array of objects"),
        ({"series_id": "cpu", "values": [1, 2], "model": "nope"}, 'not "nope"'),
    ],
)
def test_bad_fields_are_named(served, body, message):
    url, _ = served
    response = httpx.post(f"{url}/sarima/detect", json=body, headers=KEY)
    assert response.status_code in (400, 404)
    assert message in response.json()["error"]


def test_the_api_key_is_required_except_for_health_and_metrics(served):
    url, _ = served
    assert httpx.get(f"{url}/models").status_code == 401
    wrong = httpx.post(f"{url}/impute", json={"values": [1]}, headers={"X-API-Key": "guess"})
    assert wrong.status_code == 401
    assert "X-API-Key" in wrong.json()["error"]
    assert httpx.get(f"{url}/health").status_code == 200
    assert httpx.get(f"{url}/metrics").status_code == 200


def test_a_body_over_the_limit_gets_413_before_parsing(served):
    url, _ = served
    started = time.monotonic()
    response = httpx.post(
        f"{url}/sarima/detect",
        content=b'{"series_id": "cpu", "values": [' + b"1," * 150_000 + b"1]}",
        headers=KEY,
    )
    assert response.status_code == 413
    assert "at most 200000 bytes" in response.json()["error"]
    assert time.monotonic() - started < 5


def test_health_answers_while_a_long_request_runs(served):
    url, _ = served
    rng = np.random.default_rng(3)
    train = (np.sin(2 * np.pi * np.arange(600) / 24) + 0.3 * rng.normal(size=600)).tolist()
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(
            httpx.post,
            f"{url}/sarima/detect",
            json={"train": train, "params": {"period": 24}},
            headers=KEY,
            timeout=600,
        )
        time.sleep(1.0)
        started = time.monotonic()
        health = httpx.get(f"{url}/health", timeout=30)
        waited = time.monotonic() - started
        still_running = not slow.done()
        assert slow.result().status_code == 200
    assert health.status_code == 200
    assert still_running, "the slow request finished too soon to show anything"
    assert waited < 2.0


def test_metrics_are_prometheus_text_and_cannot_be_flooded(served):
    url, _ = served

    def flood(tag: str) -> None:
        for index in range(20):
            try:  # httpuv drops made-up methods before R sees them
                httpx.request(f"MADEUP{tag}{index}", f"{url}/health")
            except httpx.TransportError:
                pass
            httpx.get(f"{url}/no-such-route-{tag}{index}", headers=KEY)
            httpx.request("PATCH", f"{url}/health?{tag}={index}")

    flood("a")
    before = httpx.get(f"{url}/metrics").text
    flood("b")
    text = httpx.get(f"{url}/metrics").text
    assert len(text.splitlines()) == len(before.splitlines())
    assert "# TYPE anomalia_r_requests_total counter" in text
    assert 'anomalia_r_requests_total{method="GET",route="/health",status="200"}' in text
    assert "MADEUP" not in text and "no-such-route" not in text
    assert 'route="other",status="404"' in text
    assert 'method="PATCH",route="/health"' in text
    assert "anomalia_r_models_loaded 1" in text


def test_each_request_is_logged_as_json_with_its_id(r_env):
    port = _free_port()
    process, url = _start(f"anomaliaR::serve(port = {port}, workers = 1)", r_env, port)
    try:
        response = httpx.get(f"{url}/health", headers={"X-Request-ID": "req-42"})
        bad = httpx.post(f"{url}/impute", content="[1")
    finally:
        stderr = _stop(process)
    assert response.headers["X-Request-ID"] == "req-42"
    assert bad.status_code == 400
    assert "No suitable parser" not in stderr
    entries = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    health = next(entry for entry in entries if entry["request_id"] == "req-42")
    assert health["route"] == "/health" and health["status"] == 200
    assert {"time", "level", "method", "latency_ms"} <= health.keys()
    assert any(entry["route"] == "/impute" and entry["status"] == 400 for entry in entries)


def test_a_public_address_without_a_key_is_refused(r_env):
    env = {key: value for key, value in r_env.items() if key != "ANOMALIA_API_KEY"}
    result = subprocess.run(
        ["Rscript", "-e", "anomaliaR::serve(host = '0.0.0.0', port = 1, api_key = '')"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "`api_key` must be set (ANOMALIA_API_KEY) to serve on 0.0.0.0" in result.stderr
