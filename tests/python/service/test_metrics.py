"""Prometheus metrics: exposed at /metrics, incremented by requests, per app."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from anomalia.service.main import create_app
from anomalia.service.settings import Settings

from .conftest import detect_body, make_observations


def samples(client) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(found, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def test_requests_points_and_anomalies_are_counted(start_server):
    frame = make_observations(seed=5, n=200)
    frame.loc[120, "value"] += 8.0  # one spike, on `cpu`
    body = detect_body(frame)
    with start_server().client() as client:
        before = samples(client)
        answers = [client.post("/models/zscore/detect", json=body).json() for _ in range(3)]
        client.post("/models/nope/detect", json=body)
        after = samples(client)
    flagged = sum(a["n_anomalies"] for a in answers)
    assert flagged >= 3  # the spike, each time
    model = {"model": "zscore", "version": "1"}
    assert value(after, "anomalia_points_scored_total", **model) == 3 * 400
    assert value(after, "anomalia_anomalies_flagged_total", **model) == flagged
    route = {"method": "POST", "route": "/models/{name}/detect"}
    assert value(after, "anomalia_requests_total", **route, status="200") == 3
    assert value(after, "anomalia_requests_total", **route, status="404") == 1
    assert value(after, "anomalia_request_errors_total", **route, status="404") == 1
    assert value(after, "anomalia_request_duration_seconds_count", **route) == 4
    assert value(before, "anomalia_request_duration_seconds_count", **route) == 0
    assert value(after, "anomalia_models_loaded") == 2


def test_unmatched_paths_share_one_label(start_server):
    with start_server().client() as client:
        client.get("/no/such/route")
        client.get("/another")
        found = samples(client)
    labels = {"method": "GET", "route": "unmatched", "status": "404"}
    assert value(found, "anomalia_requests_total", **labels) == 2


def test_each_app_has_its_own_registry(tmp_path):
    first = create_app(Settings(models_dir=tmp_path))
    second = create_app(Settings(models_dir=tmp_path))
    first.state.metrics.points.labels("m", "1").inc(5)
    assert first.state.metrics.registry is not second.state.metrics.registry
    assert (
        second.state.metrics.registry.get_sample_value(
            "anomalia_points_scored_total", {"model": "m", "version": "1"}
        )
        is None
    )
