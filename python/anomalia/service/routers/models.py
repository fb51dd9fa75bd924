"""The model registry: list models and versions, register a version, choose the serving one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Response, UploadFile, status

from anomalia.service.dependencies import app_settings, registry, require_write_key
from anomalia.service.registry import CorruptEntryError, ModelRegistry
from anomalia.service.schemas import ModelSummary, Registered, RegisterPath, ServingVersion
from anomalia.service.settings import Settings

router = APIRouter(prefix="/models", tags=["models"])

Registry = Annotated[ModelRegistry, Depends(registry)]
Name = Annotated[str, Path(description="model name, e.g. the detector: `iforest`")]
# Routes that change the registry need the key even when reading needs none.
WRITE = [Depends(require_write_key)]
UNAUTHORISED = {401: {"description": "no API key configured, or a missing or wrong one"}}
SAME_CONTENT = {200: {"description": "the same content is registered already: its version"}}


@router.get("", summary="Every registered model with its versions; broken ones with the reason")
def list_models(models: Registry) -> list[ModelSummary]:
    summaries = []
    for name in models.names():
        try:
            summaries.append(ModelSummary(**models.describe(name)))
        except CorruptEntryError as error:
            summaries.append(ModelSummary(name=name, serving=None, versions=[], error=str(error)))
            continue
        if name in models.failures:
            summaries[-1].error = models.failures[name]
    return summaries


@router.get("/{name}", summary="One model's versions and metadata")
def get_model(name: Name, models: Registry) -> ModelSummary:
    return ModelSummary(**models.describe(name))


@router.post(
    "/{name}/versions",
    dependencies=WRITE,
    responses={**UNAUTHORISED, **SAME_CONTENT},
    status_code=status.HTTP_201_CREATED,
    summary="Register a folder written by `anomalia train` as the next version",
)
def register_path(
    name: Name, body: RegisterPath, models: Registry, response: Response
) -> Registered:
    known = models.versions(name)
    version = models.register_path(name, body.path, serve=body.serve)
    return _registered(name, version, known, models, response)


@router.post(
    "/{name}/versions/upload",
    dependencies=WRITE,
    responses={**UNAUTHORISED, **SAME_CONTENT},
    status_code=status.HTTP_201_CREATED,
    summary="Register an uploaded model set archive (.tar.gz, .tgz, .tar, .zip)",
)
def register_upload(
    name: Name,
    models: Registry,
    file: Annotated[UploadFile, File(description="archive of a model set folder")],
    response: Response,
    serve: Annotated[bool, Form()] = True,
) -> Registered:
    known = models.versions(name)
    version = models.register_archive(name, file.file.read(), file.filename or "", serve=serve)
    return _registered(name, version, known, models, response)


def _registered(
    name: str, version: int, known: list[int], models: ModelRegistry, response: Response
) -> Registered:
    if version in known:  # the same content again: its existing version, nothing copied
        response.status_code = status.HTTP_200_OK
    return Registered(name=name, version=version, serving=models.serving()[name])


@router.put(
    "/{name}/serving",
    dependencies=WRITE,
    responses=UNAUTHORISED,
    summary="Choose which version serves",
)
def set_serving(name: Name, body: ServingVersion, models: Registry) -> Registered:
    models.set_serving(name, body.version)
    return Registered(name=name, version=body.version, serving=body.version)


@router.post(
    "/{name}/reload",
    summary="Fetch the MLflow model the service was started from again (an alias moved)",
)
def reload(
    name: Name, models: Registry, settings: Annotated[Settings, Depends(app_settings)]
) -> list[Registered]:
    from anomalia.tracking.serving import reload_source

    served = reload_source(models, settings.model_source, settings.tracking_uri, name)
    return [Registered(name=model, version=version, serving=version) for model, version in served]
