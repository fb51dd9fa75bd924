"""Drift in the service: reference saved with a model set; drift served, gauged, logged."""

from __future__ import annotations

import io
import json
import logging
import time

import pytest

from anomalia.modelset import ModelSet, saved_reference
from anomalia.service.logs import JsonFormatter

from .conftest import N_TRAIN, detect_body, make_observations


def test_reference_saved_and_loaded_with_the_model_set(trained_root):
    reference = saved_reference(trained_root / "zscore")
    assert set(reference) == {"cpu", "temp"}
    assert reference["cpu"]["value"].n == N_TRAIN
    loaded = ModelSet.load(trained_root / "zscore").reference_
    assert (
        loaded["temp"]["value"].quantiles.tolist() == reference["temp"]["value"].quantiles.tolist()
    )


@pytest.fixture
def json_log():
    """JSON lines the `anomalia` loggers write while the test runs, parsed."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("anomalia")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def test_shifted_input_is_reported_gauged_and_logged(start_server, json_log):
    same = make_observations(seed=11, n=N_TRAIN)  # the training distribution again
    shifted = same.copy()
    shifted.loc[shifted["series_id"] == "cpu", "value"] += 3.0
    server = start_server()
    with server.client() as client:
        calm = client.post("/models/iforest/detect", json=detect_body(same)).json()["drift"]
        drifted = client.post("/models/iforest/detect", json=detect_body(shifted)).json()["drift"]
        metrics = client.get("/metrics").text
    calm = {row["series_id"]: row for row in calm}
    drifted = {row["series_id"]: row for row in drifted}
    assert calm["cpu"]["psi"] < 0.1 and calm["cpu"]["ks"] < 0.1
    assert drifted["cpu"]["psi"] > 1.0 and drifted["cpu"]["ks"] > 0.5
    assert drifted["temp"]["psi"] == pytest.approx(calm["temp"]["psi"])
    gauge = 'anomalia_input_drift_psi{feature="value",model="iforest",series_id="cpu"} '
    line = next(line for line in metrics.splitlines() if line.startswith(gauge))
    assert float(line.split()[-1]) == pytest.approx(drifted["cpu"]["psi"])
    warnings = [e for e in json_log() if e["message"].startswith("input drift")]
    assert [(e["series_id"], e["feature"]) for e in warnings] == [("cpu", "value")]
    entry = warnings[0]
    assert entry["level"] == "WARNING" and entry["model"] == "iforest"
    assert entry["psi"] == pytest.approx(drifted["cpu"]["psi"], abs=1e-4)
    assert len(entry["request_id"]) == 32  # the request's, seen from the worker thread


def test_access_log_lines_are_json(start_server, json_log):
    server = start_server()
    with server.client() as client:
        client.get("/models", headers={"X-Request-ID": "req-1"})
    # The access line is written once the response is sent: the client may read it first.
    deadline = time.monotonic() + 10
    while not (entries := [e for e in json_log() if e.get("path") == "/models"]):
        assert time.monotonic() < deadline, "no access log line for /models"
        time.sleep(0.01)
    entry = entries[0]
    assert entry["message"] == "GET /models 200"
    assert entry["request_id"] == "req-1"
    assert (entry["route"], entry["status"], entry["logger"]) == (
        "/models",
        200,
        "anomalia.service.access",
    )
    assert entry["latency_ms"] > 0 and entry["time"].endswith("+00:00")
