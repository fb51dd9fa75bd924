"""The load-test script runs end to end (its figures go to docs/benchmarks.md, not here)."""

from __future__ import annotations

import json

from anomalia.service.loadtest import request_body, run


def test_request_body_is_a_valid_detect_request(start_server):
    server = start_server()
    body = request_body("cpu", ["value"], points=50)
    with server.client() as client:
        response = client.post(
            "/models/zscore/detect", content=body, headers={"content-type": "application/json"}
        )
    assert response.status_code == 200
    assert response.json()["n_points"] == 50
    assert len(json.loads(body)["series"][0]["timestamp"]) == 50


def test_run_reports_one_row_per_concurrency(start_server):
    server = start_server()
    rows = run(server.url, "zscore", points=100, clients=[1, 3], requests=6, repeats=1)
    assert [row["clients"] for row in rows] == [1, 3]
    for row in rows:
        assert row["requests_per_s"] > 0
        assert 0 < row["p50_ms"] <= row["p99_ms"]
        assert abs(row["points_per_s"] - row["requests_per_s"] * 100) <= 1
        assert 0 < row["scoring_share"] < 1  # measured by the server itself
