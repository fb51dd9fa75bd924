"""The service over real HTTP: health, models, detection as JSON and as files, versions."""

from __future__ import annotations

import io
import shutil
import tarfile

import numpy as np
import pandas as pd
import pytest

from anomalia.contract import validate_scores
from anomalia.modelset import ModelSet

from .conftest import API_KEY, SERIES, detect_body, make_observations, train_models


@pytest.fixture
def fresh() -> pd.DataFrame:
    """Unseen data (another seed, after the training period) with a spike on `cpu` row 150."""
    frame = make_observations(seed=7, n=300, start=pd.Timestamp("2026-02-01", tz="UTC"))
    frame.loc[150, "value"] += 8.0
    return frame


def scores_frame(payload: dict) -> pd.DataFrame:
    frame = pd.DataFrame(payload["scores"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    return frame


def test_health_and_ready(start_server):
    server = start_server()
    with server.client() as client:
        assert client.get("/health").json()["status"] == "ok"
        ready = client.get("/ready")
        assert ready.status_code == 200
        assert ready.json()["models"] == {"iforest": 1, "zscore": 1}


def test_ready_is_503_without_models(start_server, tmp_path):
    server = start_server(models_dir=tmp_path / "empty", wait_ready=False)
    with server.client() as client:
        response = client.get("/ready")
        while response.json()["detail"] == "models are loading":
            response = client.get("/ready")
        assert response.status_code == 503
        assert "no models registered" in response.json()["detail"]
        assert client.get("/health").status_code == 200


def test_models_listed_with_metadata(start_server):
    server = start_server()
    with server.client() as client:
        models = {m["name"]: m for m in client.get("/models").json()}
    assert set(models) == {"iforest", "zscore"}
    version = models["zscore"]["versions"][0]
    assert version["version"] == 1 and version["serving"] is True
    assert version["params"] == {"window": 24}
    assert version["series"] == list(SERIES)
    assert version["value_columns"] == ["value"]
    assert version["drift_reference"] is True


def test_detect_json_flags_the_spike_in_the_scores_schema(start_server, fresh):
    server = start_server()
    with server.client() as client:
        response = client.post("/models/zscore/detect", json=detect_body(fresh))
    assert response.status_code == 200
    payload = response.json()
    assert (payload["model"], payload["version"], payload["n_points"]) == ("zscore", 1, 600)
    scores = validate_scores(scores_frame(payload))
    assert len(scores) == len(fresh)
    cpu = scores[scores["series_id"] == "cpu"].reset_index(drop=True)
    assert cpu["score"].idxmax() == 150
    assert cpu.loc[150, "is_anomaly"]
    assert payload["n_anomalies"] == int(scores["is_anomaly"].sum())
    np.testing.assert_array_equal(scores["is_anomaly"], scores["score"] > scores["threshold"])


def test_detect_matches_the_library(start_server, fresh, trained_root):
    server = start_server()
    with server.client() as client:
        payload = client.post("/models/iforest/detect", json=detect_body(fresh)).json()
    expected = ModelSet.load(trained_root / "iforest").score(fresh, progress=False)
    np.testing.assert_allclose(scores_frame(payload)["score"], expected["score"], rtol=1e-9)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_detect_file_gives_the_json_answer(start_server, fresh, tmp_path, suffix):
    server = start_server()
    path = tmp_path / f"observations{suffix}"
    if suffix == ".csv":
        fresh.to_csv(path, index=False)
    else:
        fresh.to_parquet(path, index=False)
    with server.client() as client:
        from_json = client.post("/models/zscore/detect", json=detect_body(fresh)).json()
        with open(path, "rb") as handle:
            response = client.post(
                "/models/zscore/detect/file", files={"file": (path.name, handle)}
            )
    assert response.status_code == 200
    assert response.json()["scores"] == from_json["scores"]


def test_register_version_choose_serving_and_score_by_version(start_server, tmp_path, fresh):
    server = start_server(api_key=API_KEY)
    retrained = train_models(tmp_path / "retrained", zscore_window=6)
    body = detect_body(fresh)
    with server.client() as client:
        created = client.post(
            "/models/zscore/versions", json={"path": str(retrained / "zscore"), "serve": False}
        )
        assert created.status_code == 201
        assert created.json() == {"name": "zscore", "version": 2, "serving": 1}
        v1 = client.post("/models/zscore/detect", json=body).json()
        v2 = client.post("/models/zscore/detect", params={"version": 2}, json=body).json()
        assert (v1["version"], v2["version"]) == (1, 2)
        assert v1["scores"] != v2["scores"]
        assert client.put("/models/zscore/serving", json={"version": 2}).status_code == 200
        assert client.get("/ready").json()["models"]["zscore"] == 2
        now = client.post("/models/zscore/detect", json=body).json()
        assert now["version"] == 2 and now["scores"] == v2["scores"]
        described = client.get("/models/zscore").json()
    assert described["serving"] == 2
    assert [v["params"]["window"] for v in described["versions"]] == [24, 6]


def test_register_uploaded_archive(start_server, trained_root, fresh):
    server = start_server(api_key=API_KEY)
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as bundle:
        bundle.add(trained_root / "iforest", arcname="iforest")
    with server.client() as client:
        created = client.post(
            "/models/shadow/versions/upload",
            files={"file": ("iforest.tgz", archive.getvalue())},
        )
        assert created.status_code == 201, created.text
        assert created.json() == {"name": "shadow", "version": 1, "serving": 1}
        shadow = client.post("/models/shadow/detect", json=detect_body(fresh)).json()
        original = client.post("/models/iforest/detect", json=detect_body(fresh)).json()
    assert [r["score"] for r in shadow["scores"]] == [r["score"] for r in original["scores"]]


def test_restart_keeps_versions_and_serving_choice(start_server, tmp_path, trained_root):
    models = tmp_path / "models"
    shutil.copytree(trained_root, models)
    retrained = train_models(tmp_path / "retrained", zscore_window=6)
    with start_server(models_dir=models, api_key=API_KEY).client() as client:
        client.post("/models/zscore/versions", json={"path": str(retrained / "zscore")})
        client.put("/models/zscore/serving", json={"version": 1})
    # A restart over unchanged train outputs registers nothing new and keeps version 1 serving.
    with start_server(models_dir=models).client() as client:
        described = client.get("/models/zscore").json()
    assert [v["version"] for v in described["versions"]] == [1, 2]
    assert described["serving"] == 1


def test_retrained_output_becomes_next_version_at_start(start_server, tmp_path, trained_root):
    models = tmp_path / "models"
    shutil.copytree(trained_root, models)
    start_server(models_dir=models)
    train_models(models, zscore_window=12)  # `anomalia train` again, in place
    with start_server(models_dir=models).client() as client:
        described = client.get("/models/zscore").json()
    assert described["serving"] == 2
    assert described["versions"][1]["params"] == {"window": 12}


def test_request_id_is_echoed(start_server):
    with start_server().client() as client:
        response = client.get("/models", headers={"X-Request-ID": "abc-123"})
        assert response.headers["x-request-id"] == "abc-123"
        assert len(client.get("/models").headers["x-request-id"]) == 32


def test_openapi_documents_the_routes(start_server):
    with start_server().client() as client:
        paths = client.get("/openapi.json").json()["paths"]
        assert client.get("/docs").status_code == 200
    assert {"/health", "/ready", "/models", "/models/{name}/detect", "/metrics"} <= set(paths)
    assert "/models/{name}/detect/file" in paths


def test_streaming_thresholds_restart_for_every_request(start_server, tmp_path, fresh):
    # SPOT updates its state as it walks the scores; requests must not see each other's.
    models = tmp_path / "spot-models"
    model_set = ModelSet("zscore", {"window": 24}, {"method": "spot", "risk": 0.01})
    model_set.fit(make_observations(), train_fraction=0.75, progress=False)
    model_set.save(models / "zscore")
    noisy = fresh.copy()
    noisy.loc[noisy.index[::25], "value"] += 2.5  # many moderate peaks feed SPOT's model
    with start_server(models_dir=models).client() as client:
        first = client.post("/models/zscore/detect", json=detect_body(noisy)).json()
        second = client.post("/models/zscore/detect", json=detect_body(noisy)).json()
    assert first["scores"] == second["scores"]
    thresholds = [row["threshold"] for row in first["scores"]]
    assert len(set(thresholds)) > 2  # the threshold did move within the request
