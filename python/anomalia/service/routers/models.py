"""The model registry: list models and versions, register a version, choose the serving one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, UploadFile, status

from anomalia.service.dependencies import app_settings, registry
from anomalia.service.registry import ModelRegistry
from anomalia.service.schemas import ModelSummary, Registered, RegisterPath, ServingVersion
from anomalia.service.settings import Settings

router = APIRouter(prefix="/models", tags=["models"])

Registry = Annotated[ModelRegistry, Depends(registry)]
Name = Annotated[str, Path(description="model name, e.g. the detector: `iforest`")]


@router.get("", summary="Every registered model with its versions")
def list_models(models: Registry) -> list[ModelSummary]:
    return [ModelSummary(**models.describe(name)) for name in models.names()]


@router.get("/{name}", summary="One model's versions and metadata")
def get_model(name: Name, models: Registry) -> ModelSummary:
    return ModelSummary(**models.describe(name))


@router.post(
    "/{name}/versions",
    status_code=status.HTTP_201_CREATED,
    summary="Register a folder written by `anomalia train` as the next version",
)
def register_path(name: Name, body: RegisterPath, models: Registry) -> Registered:
    version = models.register_path(name, body.path, serve=body.serve)
    return Registered(name=name, version=version, serving=models.serving()[name])


@router.post(
    "/{name}/versions/upload",
    status_code=status.HTTP_201_CREATED,
    summary="Register an uploaded model set archive (.tar.gz, .tgz, .tar, .zip)",
)
def register_upload(
    name: Name,
    models: Registry,
    file: Annotated[UploadFile, File(description="archive of a model set folder")],
    serve: Annotated[bool, Form()] = True,
) -> Registered:
    version = models.register_archive(name, file.file.read(), file.filename or "", serve=serve)
    return Registered(name=name, version=version, serving=models.serving()[name])


@router.put("/{name}/serving", summary="Choose which version serves")
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
