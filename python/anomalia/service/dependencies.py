"""Dependencies the routers share: settings, registry, metrics of the app; the API key check."""

from __future__ import annotations

import secrets

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


def require_api_key(request: Request, key: str | None = Security(_api_key_scheme)) -> None:
    """Refuse the request with 401 unless authentication is off or ``X-API-Key`` matches."""
    expected = app_settings(request).api_key
    if expected is None:
        return
    if key is None or not secrets.compare_digest(
        key.encode(), expected.get_secret_value().encode()
    ):
        raise HTTPException(
            status_code=401,
            detail=f"missing or wrong API key: send it in the {API_KEY_HEADER} header",
            headers={"WWW-Authenticate": API_KEY_HEADER},
        )
