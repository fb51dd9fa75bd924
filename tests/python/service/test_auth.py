"""Optional API-key authentication: off by default; when on, only the probes are open."""

from __future__ import annotations

import pytest

from .conftest import detect_body, make_observations

KEY = "s3cret-key"


@pytest.fixture
def secured(start_server):
    return start_server(api_key=KEY)


def requests(client):
    body = detect_body(make_observations(seed=3, n=60))
    return {
        "list": lambda headers: client.get("/models", headers=headers),
        "describe": lambda headers: client.get("/models/zscore", headers=headers),
        "detect": lambda headers: client.post("/models/zscore/detect", json=body, headers=headers),
        "serving": lambda headers: client.put(
            "/models/zscore/serving", json={"version": 1}, headers=headers
        ),
        "metrics": lambda headers: client.get("/metrics", headers=headers),
    }


def test_auth_on_refuses_without_the_key(secured):
    with secured.client() as client:
        for name, call in requests(client).items():
            for headers in ({}, {"X-API-Key": "wrong"}):
                response = call(headers)
                assert response.status_code == 401, name
                assert "X-API-Key" in response.json()["detail"]


def test_auth_on_accepts_the_key(secured):
    with secured.client() as client:
        for name, call in requests(client).items():
            assert call({"X-API-Key": KEY}).status_code == 200, name


def test_probes_stay_open(secured):
    with secured.client() as client:
        assert client.get("/health").status_code == 200
        assert client.get("/ready").status_code == 200


def test_auth_off_by_default(start_server):
    with start_server().client() as client:
        for name, call in requests(client).items():
            assert call({}).status_code == 200, name


def test_openapi_declares_the_key(secured):
    with secured.client() as client:
        schema = client.get("/openapi.json").json()
    scheme = schema["components"]["securitySchemes"]["APIKeyHeader"]
    assert scheme == {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    assert "security" in schema["paths"]["/models/{name}/detect"]["post"]
    assert "security" not in schema["paths"]["/health"]["get"]


def test_empty_key_means_no_authentication(monkeypatch, tmp_path):
    from anomalia.service.settings import Settings

    monkeypatch.setenv("ANOMALIA_API_KEY", "")  # as compose passes an unset variable
    assert Settings(models_dir=tmp_path).api_key is None
    monkeypatch.setenv("ANOMALIA_API_KEY", KEY)
    assert Settings(models_dir=tmp_path).api_key.get_secret_value() == KEY
