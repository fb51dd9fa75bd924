"""The FastAPI application: ``create_app(settings)`` builds one, models load in its lifespan.

Run it with ``anomalia serve`` or ``uvicorn --factory anomalia.service.main:create_app``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi

from anomalia import __version__
from anomalia.service import errors
from anomalia.service.archives import ArchiveLimits
from anomalia.service.dependencies import require_api_key
from anomalia.service.metrics import ServiceMetrics
from anomalia.service.middleware import BodyLimitMiddleware, ObservabilityMiddleware
from anomalia.service.registry import ModelRegistry
from anomalia.service.routers import detect, docs, health, metrics, models, streams
from anomalia.service.schemas import DetectRequest
from anomalia.service.settings import Settings, get_settings
from anomalia.service.stream_store import StreamStore

log = logging.getLogger(__name__)

DESCRIPTION = """\
Score time series with detectors trained by `anomalia train`: every point gets
a score, the threshold in force and an anomaly flag, in the data contract's
scores schema. Models are versioned in a registry; the input is compared with
the training data for drift. When `ANOMALIA_API_KEY` is set, every route but
`/health` and `/ready` needs the `X-API-Key` header; registering models and
choosing the serving version always need it (they are refused while no key is set).
"""


def _load_models(registry: ModelRegistry, settings: Settings, metrics: ServiceMetrics) -> None:
    try:
        if settings.model_source:  # an MLflow model replaces the train outputs of models_dir
            from anomalia.tracking.serving import sync_source

            sync_source(registry, settings.model_source, settings.tracking_uri)
        elif settings.models_dir.is_dir():
            for name, version in registry.sync_trained(settings.models_dir):
                log.info("imported %s from %s as version %d", name, settings.models_dir, version)
    except Exception as error:  # e.g. a read-only registry folder: report, don't crash
        registry.import_failures["(models folder)"] = f"{type(error).__name__}: {error}"
        log.error("could not import trained models: %s", error)
    registry.load_serving()
    metrics.models_loaded.set(len(registry.serving()))
    log.info("models loaded: %s", registry.serving() or "none")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the registry and load the serving models in a background thread.

    The port answers at once (``/health``); ``/ready`` turns 200 when loading
    is done, so a slow model never fails a liveness probe.
    """
    settings: Settings = app.state.settings
    registry = ModelRegistry(
        settings.registry_path,
        settings.import_path,
        settings.max_loaded_versions,
        ArchiveLimits(
            settings.max_archive_bytes, settings.max_archive_members, settings.max_archive_ratio
        ),
    )
    app.state.registry = registry
    loader = threading.Thread(
        target=_load_models,
        args=(registry, settings, app.state.metrics),
        name="anomalia-model-loader",
        daemon=True,
    )
    loader.start()
    yield
    loader.join()


def _openapi(app: FastAPI) -> dict:
    """The OpenAPI document, with the bodies routes read themselves (the detect request)."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        body = DetectRequest.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(body.pop("$defs", {}))
        components["DetectRequest"] = body
        app.openapi_schema = schema
    return app.openapi_schema


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service app.

    Parameters
    ----------
    settings : Settings, optional
        Defaults to :func:`get_settings` (``ANOMALIA_*`` environment variables).

    Returns
    -------
    FastAPI
        With its own metrics registry in ``app.state.metrics``; the model
        registry appears in ``app.state.registry`` once the lifespan starts.
    """
    settings = settings or get_settings()
    app = FastAPI(
        title="anomalia",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # The docs router serves /docs and /redoc with their files, without a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.state.settings = settings
    app.state.metrics = ServiceMetrics()
    errors.install(app)
    secured = [Depends(require_api_key)]
    app.include_router(health.router)
    app.include_router(docs.router)
    app.include_router(models.router, dependencies=secured)
    app.include_router(detect.router, dependencies=secured)
    app.include_router(metrics.router, dependencies=secured)
    app.state.streams = StreamStore(settings.streams_path, durable=settings.streams_fsync)
    app.include_router(streams.router, dependencies=secured)
    # Added last = outermost: every request, even a refused one, is timed and logged.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(ObservabilityMiddleware, metrics=app.state.metrics)
    return app
