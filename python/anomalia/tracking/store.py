"""Where MLflow keeps runs: a local SQLite store under the project by default.

A plain folder as tracking location holds ``mlflow.db`` and ``artifacts/``;
browse it with ``mlflow ui --backend-store-uri sqlite:///<folder>/mlflow.db``.
Any MLflow URI (``sqlite:///...``, ``http://...``) is used as given. Without
one, ``MLFLOW_TRACKING_URI`` is honoured, else :data:`DEFAULT_TRACKING`.

``ANOMALIA_TRACKING=off`` (or ``--no-track``) turns the tracking of
``anomalia train`` and ``anomalia tune`` off; ``anomalia experiment run`` is
always tracked.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from anomalia.exceptions import ConfigError, MissingDependencyError

#: Default tracking folder, relative to the current (project) folder; git-ignored.
DEFAULT_TRACKING = Path("results/mlflow")
#: Environment switch: "off", "0", "false" or "no" stops train and tune from logging runs.
TRACKING_SWITCH = "ANOMALIA_TRACKING"
_OFF = {"off", "0", "false", "no"}
_ON = {"on", "1", "true", "yes", ""}
_URI_VARIABLES = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")


def mlflow_module() -> Any:
    """Import mlflow (slow: only when tracking is used), or explain how to install it."""
    if logging.getLogger().getEffectiveLevel() > logging.INFO:  # --quiet: mlflow quiet too
        os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    try:
        import mlflow
    except ImportError:
        raise MissingDependencyError(
            "experiment tracking needs mlflow: pip install 'anomalia[tune]'"
        ) from None
    # Downloads of a few small files need no progress bars on stderr.
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    return mlflow


def tracking_enabled() -> bool:
    """False when ``ANOMALIA_TRACKING`` says off; raises on a value that is neither."""
    value = os.environ.get(TRACKING_SWITCH, "on").strip().lower()
    if value in _OFF:
        return False
    if value in _ON:
        return True
    raise ConfigError(f"{TRACKING_SWITCH} must be `on` or `off`, got {value!r}")


def resolve_tracking(location: str | Path | None) -> tuple[str, str | None]:
    """Tracking URI and artifact location (None: the server's default) for ``location``.

    Parameters
    ----------
    location : str, pathlib.Path or None
        An MLflow URI with a scheme, or a folder. None: ``MLFLOW_TRACKING_URI``
        when set, else :data:`DEFAULT_TRACKING`.
    """
    if location is None:
        location = os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING
    text = str(location)
    if "://" in text:
        return text, None
    folder = Path(text).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'mlflow.db'}", (folder / "artifacts").as_uri()


def connect(location: str | Path | None) -> tuple[Any, str, str | None]:
    """mlflow pointed at ``location`` (see :func:`resolve_tracking`): module, URI, artifacts."""
    mlflow = mlflow_module()
    uri, artifacts = resolve_tracking(location)
    # mlflow writes these to os.environ; keep the caller's environment as it was, so
    # that a later default (resolve_tracking(None)) does not inherit this location.
    saved = {name: os.environ.get(name) for name in _URI_VARIABLES}
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    return mlflow, uri, artifacts


def experiment_id(client: Any, name: str, artifact_location: str | None) -> str:
    """Id of the MLflow experiment ``name``, created (with ``artifact_location``) if new."""
    found = client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    return client.create_experiment(name, artifact_location=artifact_location)
