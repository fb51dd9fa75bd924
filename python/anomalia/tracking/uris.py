"""Models by MLflow URI: ``runs:/ID/model``, ``models:/NAME/VERSION``, ``models:/NAME@ALIAS``.

:func:`download_model_sets` fetches the logged model and returns the local
folder that holds one model set folder per detector, as ``anomalia train``
writes them, so that everything downstream reads it with ``ModelSet.load``.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from anomalia.exceptions import ConfigError, DataError
from anomalia.tracking import flavor
from anomalia.tracking.store import connect

SCHEMES = ("runs:/", "models:/")
_REGISTERED = re.compile(r"^models:/(?P<name>[^/@]+)(?:/(?P<version>\d+)|@(?P<alias>[^/]+))$")


def is_model_uri(text: str | Path | None) -> bool:
    """True for ``runs:/...`` and ``models:/...`` sources (folders are anything else)."""
    return text is not None and str(text).startswith(SCHEMES)


def run_model_uri(run_id: str) -> str:
    """The URI of the model ``anomalia train`` logged in run ``run_id``."""
    if not re.fullmatch(r"[0-9A-Za-z_-]+", run_id):
        raise ConfigError(f"--run-id must be an MLflow run id (letters and digits), got {run_id!r}")
    return f"runs:/{run_id}/model"


def registered_name(uri: str) -> str | None:
    """``NAME`` of ``models:/NAME/VERSION`` or ``models:/NAME@ALIAS``, else None."""
    match = _REGISTERED.match(uri)
    return match["name"] if match else None


def describe(uri: str, tracking: str | Path | None) -> str:
    """``uri`` with the registry version it stands for now: ``models:/m@champion (version 2)``."""
    match = _REGISTERED.match(uri)
    if not match or not match["alias"]:
        return uri
    mlflow, _, _ = connect(tracking)
    version = mlflow.tracking.MlflowClient().get_model_version_by_alias(
        match["name"], match["alias"]
    )
    return f"{uri} (version {version.version}, run {version.run_id})"


def download_model_sets(uri: str, tracking: str | Path | None, destination: Path) -> Path:
    """Fetch the anomalia model at ``uri`` into ``destination``; return its model set root.

    Raises
    ------
    ConfigError
        When MLflow has no such run, model, version or alias.
    DataError
        When the MLflow model was not logged by anomalia.
    """
    if not is_model_uri(uri) or (uri.startswith("models:/") and not _REGISTERED.match(uri)):
        raise ConfigError(
            f"{uri!r}: expected runs:/RUN_ID/model, models:/NAME/VERSION or models:/NAME@ALIAS"
        )
    mlflow, tracking_uri, _ = connect(tracking)
    try:
        local = mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=str(destination))
    except Exception as error:  # MlflowException, or OSError for a missing artifact
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ConfigError(f"{uri}: not found in MLflow store {tracking_uri} ({message})") from None
    local = Path(local)
    mlmodel = local / "MLmodel"
    pyfunc = {}
    if mlmodel.is_file():
        pyfunc = (yaml.safe_load(mlmodel.read_text()) or {}).get("flavors", {})
        pyfunc = pyfunc.get("python_function", {})
    if pyfunc.get("loader_module") != flavor.__name__ or "data" not in pyfunc:
        raise DataError(
            f"{uri}: not a model logged by `anomalia train` (expected an MLmodel whose "
            f"python_function loader is {flavor.__name__})"
        )
    root = local / pyfunc["data"]
    if not flavor.model_folders(root):
        raise DataError(f"{uri}: the logged model holds no model set folders")
    return root
