"""API keys: reading is open by default, registering never is; when on, only the probes are open."""

from __future__ import annotations

import io
import tarfile

import httpx
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
    with httpx.Client(base_url=secured.url) as client:  # not server.client(): it sends the key
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


def test_auth_off_by_default_for_reading(start_server):
    with start_server().client() as client:
        for name, call in requests(client).items():
            if name != "serving":
                assert call({}).status_code == 200, name


def test_registration_needs_a_key_even_with_auth_off(start_server, trained_root):
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as bundle:
        bundle.add(trained_root / "zscore", arcname="zscore")
    with start_server().client() as client:
        refused = {
            "upload": client.post(
                "/models/new/versions/upload", files={"file": ("m.tgz", archive.getvalue())}
            ),
            "path": client.post(
                "/models/new/versions", json={"path": str(trained_root / "zscore")}
            ),
            "serving": client.put("/models/zscore/serving", json={"version": 1}),
        }
        for name, response in refused.items():
            assert response.status_code == 401, name
            assert "registering models needs an API key" in response.json()["detail"], name
        assert client.get("/models/new").status_code == 404  # nothing was registered


def test_registration_with_the_key(start_server, trained_root):
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as bundle:
        bundle.add(trained_root / "zscore", arcname="zscore")
    with start_server(api_key=KEY).client() as client:
        upload = {"file": ("m.tgz", archive.getvalue())}
        assert client.post("/models/new/versions/upload", files=upload).status_code == 201
        with httpx.Client(base_url=client.base_url) as stranger:
            wrong = stranger.post(
                "/models/new/versions/upload", files=upload, headers={"X-API-Key": KEY[:-1]}
            )
        assert wrong.status_code == 401
        # The same content again: its existing version, 200, no second copy.
        again = client.post("/models/new/versions/upload", files=upload)
        assert (again.status_code, again.json()["version"]) == (200, 1)
        assert [v["version"] for v in client.get("/models/new").json()["versions"]] == [1]


@pytest.mark.parametrize(
    ("host", "key", "insecure", "refused"),
    [
        ("127.0.0.1", None, False, False),
        ("localhost", None, False, False),
        ("::1", None, False, False),
        ("0.0.0.0", None, False, True),
        ("::", None, False, True),
        ("10.1.2.3", None, False, True),
        ("example.org", None, False, True),
        ("0.0.0.0", KEY, False, False),
        ("0.0.0.0", None, True, False),
    ],
)
def test_exposure_needs_a_key_or_insecure(tmp_path, host, key, insecure, refused):
    from anomalia.exceptions import ConfigError
    from anomalia.service.settings import Settings, check_exposure

    settings = Settings(models_dir=tmp_path, api_key=key, insecure=insecure)
    if refused:
        with pytest.raises(ConfigError, match=f"refusing to serve on {host} without an API key"):
            check_exposure(settings, host)
    else:
        check_exposure(settings, host)


def test_serve_refuses_a_public_address_without_a_key(tmp_path, monkeypatch, capsys):
    from anomalia.cli.main import main

    monkeypatch.delenv("ANOMALIA_API_KEY", raising=False)
    monkeypatch.delenv("ANOMALIA_INSECURE", raising=False)
    status = main(["serve", "--host", "0.0.0.0", "--models", str(tmp_path), "--port", "1"])
    assert status == 2
    err = capsys.readouterr().err
    assert "refusing to serve on 0.0.0.0 without an API key" in err
    assert "--insecure" in err and "Traceback" not in err


def test_api_key_is_compared_in_constant_time():
    import inspect

    from anomalia.service import dependencies

    assert "hmac.compare_digest" in inspect.getsource(dependencies._key_matches)


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
