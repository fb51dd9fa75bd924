"""The service's MLflow model source: fetch ``models:/NAME@ALIAS`` into the registry, reload it.

``anomalia serve --models models:/fleet@champion`` serves every model set of
that registered model, each under its detector's name. A reload fetches the
source again: a model set not seen before becomes the next service version and
serves; one already registered (the alias moved back) serves again.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from anomalia.service.registry import ModelRegistry, UnknownModelError, manifest_digest
from anomalia.tracking.flavor import model_folders
from anomalia.tracking.uris import describe, download_model_sets, registered_name

log = logging.getLogger(__name__)


def sync_source(
    registry: ModelRegistry, source: str, tracking: str | Path | None
) -> list[tuple[str, int]]:
    """Make the model sets of ``source`` serve; returns (service model name, version) pairs."""
    label = describe(source, tracking)
    registry.root.mkdir(parents=True, exist_ok=True)
    served = []
    with tempfile.TemporaryDirectory(dir=registry.root, prefix=".mlflow.") as scratch:
        for folder in model_folders(download_model_sets(source, tracking, Path(scratch))):
            name, digest = folder.name, manifest_digest(folder)
            versions = registry.describe(name)["versions"] if name in registry.names() else []
            known = next((v["version"] for v in versions if v["digest"] == digest), None)
            if known is None:
                version = registry.register(name, folder, serve=True, origin=label)
            else:
                registry.set_serving(name, known)
                version = known
            served.append((name, version))
    log.info("serving %s from %s", ", ".join(f"{n} v{v}" for n, v in served), label)
    return served


def reload_source(
    registry: ModelRegistry, source: str | None, tracking: str | Path | None, name: str
) -> list[tuple[str, int]]:
    """Fetch the service's MLflow source again for ``name`` (registered or served model name).

    Raises
    ------
    UnknownModelError
        When the service was not started from an MLflow URI, or ``name`` is neither.
    """
    if source is None:
        raise UnknownModelError(
            f"model `{name}` is not served from MLflow; start the service with "
            "`anomalia serve --models models:/NAME@ALIAS` to reload from the registry"
        )
    if name != registered_name(source) and name not in registry.serving():
        raise UnknownModelError(
            f"no model named `{name}`: the service serves {source} "
            f"({', '.join(sorted(registry.serving())) or 'nothing yet'})"
        )
    return sync_source(registry, source, tracking)
