"""Dependencies the routers share: settings, registry, metrics of the app; the API key check."""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request, Security
from fastapi.security import APIKeyHeader

from anomalia.service.metrics import ServiceMetrics
from anomalia.service.registry import ModelRegistry
from anomalia.service.settings import Settings

API_KEY_HEADER = "X-API-Key"
_api_key_scheme = APIKeyHeader(name=API_KEY_HEADER, auto_error=False)


def app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return request.app.state.settings


def registry(request: Request) -> ModelRegistry:
    """The app's model registry (made by the lifespan handler)."""
    return request.app.state.registry


def metrics(request: Request) -> ServiceMetrics:
    """The app's Prometheus metrics."""
    return request.app.state.metrics


def _key_matches(key: str | None, expected: str) -> bool:
    # Constant time: the comparison must not tell how many leading characters matched.
    return key is not None and hmac.compare_digest(key.encode(), expected.encode())


def _refuse(detail: str) -> HTTPException:
    return HTTPException(
        status_code=401, detail=detail, headers={"WWW-Authenticate": API_KEY_HEADER}
    )


def require_api_key(request: Request, key: str | None = Security(_api_key_scheme)) -> None:
    """Refuse the request with 401 unless authentication is off or ``X-API-Key`` matches."""
    expected = app_settings(request).api_key
    if expected is None:
        return
    if not _key_matches(key, expected.get_secret_value()):
        raise _refuse(f"missing or wrong API key: send it in the {API_KEY_HEADER} header")


def require_write_key(request: Request, key: str | None = Security(_api_key_scheme)) -> None:
    """Refuse with 401 unless an API key is configured and ``X-API-Key`` matches.

    Registering a model makes the service load files it was handed, so these
    routes are never open, whatever the authentication setting.
    """
    expected = app_settings(request).api_key
    if expected is None:
        raise _refuse(
            "registering models needs an API key: start the service with "
            f"ANOMALIA_API_KEY set and send the key in the {API_KEY_HEADER} header"
        )
    if not _key_matches(key, expected.get_secret_value()):
        raise _refuse(f"missing or wrong API key: send it in the {API_KEY_HEADER} header")
