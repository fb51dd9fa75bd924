"""Model sets as an MLflow model: the ``python_function`` flavour, loaded by ``ModelSet.load``.

A logged model holds the folders ``anomalia train`` wrote, one per detector,
as data (``data/models/<detector>/``); its ``MLmodel`` names this module as
the loader, so nothing is unpickled: ``mlflow.pyfunc.load_model(uri)`` calls
:func:`_load_pyfunc`, which reads each folder with
:meth:`anomalia.modelset.ModelSet.load`. ``predict`` takes contract
observations and returns contract scores, one row per detector and input row;
MLflow's ``datetime`` type has no time zone, so timestamps go in as naive UTC
(zoned ones are accepted when the signature is not enforced).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from anomalia.modelset import ModelSet

#: Folder of the model sets inside the logged model (``data_path``'s name).
MODELS_FOLDER = "models"
MANIFEST = "manifest.json"


def model_folders(root: Path) -> list[Path]:
    """The model set folders (those with a manifest) directly under ``root``, by name."""
    return sorted(p.parent for p in Path(root).glob(f"*/{MANIFEST}"))


class AnomaliaModel:
    """The pyfunc face of one or more model sets.

    Parameters
    ----------
    model_sets : list of ModelSet
    """

    def __init__(self, model_sets: Sequence[ModelSet]):
        self.model_sets = list(model_sets)

    def predict(self, model_input: pd.DataFrame, params: dict[str, Any] | None = None):
        """Scores of every model set for ``model_input`` (contract observations)."""
        from anomalia.contract import validate_observations

        frame = pd.DataFrame(model_input).copy()
        if "timestamp" in frame.columns:
            frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
        frame = validate_observations(frame, source="model input")
        parts = [model_set.score(frame, progress=False) for model_set in self.model_sets]
        return pd.concat(parts, ignore_index=True)


def _load_pyfunc(data_path: str) -> AnomaliaModel:
    """MLflow's entry point: the model sets under ``data_path``."""
    return AnomaliaModel([ModelSet.load(folder) for folder in model_folders(Path(data_path))])


def signature(value_columns: Sequence[str]) -> Any:
    """Input (observations) and output (scores) schema of the logged model."""
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    inputs = [ColSpec("string", "series_id"), ColSpec("datetime", "timestamp")]
    inputs += [ColSpec("double", column) for column in value_columns]
    outputs = [
        ColSpec("string", "series_id"),
        ColSpec("datetime", "timestamp"),
        ColSpec("string", "detector"),
        ColSpec("double", "score"),
        ColSpec("double", "threshold"),
        ColSpec("boolean", "is_anomaly"),
    ]
    return ModelSignature(inputs=Schema(inputs), outputs=Schema(outputs))


def log_model_sets(mlflow: Any, folders: Sequence[Path], value_columns: Sequence[str]) -> Any:
    """Log the saved model set ``folders`` as the active run's model ``model``.

    Returns
    -------
    mlflow.models.model.ModelInfo
    """
    import shutil
    import tempfile
    import warnings

    from anomalia import __version__

    with tempfile.TemporaryDirectory() as scratch, warnings.catch_warnings():
        data = Path(scratch) / MODELS_FOLDER
        for folder in folders:
            shutil.copytree(folder, data / folder.name)
        # An input example would be scored at logging time; the signature says enough.
        warnings.filterwarnings("ignore", message=".*An input example was not provided")
        return mlflow.pyfunc.log_model(
            name="model",
            loader_module=__name__,
            data_path=str(data),
            signature=signature(value_columns),
            # Written down, not inferred: inference imports and probes the package, slowly.
            pip_requirements=[f"anomalia=={__version__}"],
            metadata={
                "anomalia_version": __version__,
                "detectors": [folder.name for folder in folders],
            },
        )
