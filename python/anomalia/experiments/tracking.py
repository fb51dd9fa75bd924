"""Where MLflow keeps experiments: a local SQLite store under the project by default.

A plain folder as tracking location holds ``mlflow.db`` and ``artifacts/``;
browse it with ``mlflow ui --backend-store-uri sqlite:///<folder>/mlflow.db``.
Any MLflow URI (``sqlite:///...``, ``http://...``) is used as given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from anomalia.exceptions import MissingDependencyError

#: Default tracking folder, relative to the current (project) folder; git-ignored.
DEFAULT_TRACKING = Path("results/mlflow")


def mlflow_module() -> Any:
    """Import mlflow, or explain how to install it."""
    try:
        import mlflow
    except ImportError:
        raise MissingDependencyError(
            "experiment tracking needs mlflow: pip install 'anomalia[tune]'"
        ) from None
    return mlflow


def resolve_tracking(location: str | Path | None) -> tuple[str, str | None]:
    """Tracking URI and artifact location (None: the server's default) for ``location``.

    Parameters
    ----------
    location : str, pathlib.Path or None
        An MLflow URI with a scheme, or a folder (default :data:`DEFAULT_TRACKING`).
    """
    text = str(location) if location is not None else str(DEFAULT_TRACKING)
    if "://" in text:
        return text, None
    folder = Path(text).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'mlflow.db'}", (folder / "artifacts").as_uri()


def experiment_id(client: Any, name: str, artifact_location: str | None) -> str:
    """Id of the MLflow experiment ``name``, created (with ``artifact_location``) if new."""
    found = client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    return client.create_experiment(name, artifact_location=artifact_location)
