"""Experiment files: YAML validated into typed objects (see ``configs/experiments/``).

An experiment names its data (a contract parquet file, or synthetic data to
generate), the detectors with their parameters, the threshold (an alert
budget is a threshold too) and the evaluation; ``anomalia experiment run``
runs it and logs everything to MLflow.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from anomalia.config import DataConfig, SyntheticConfig, read_model_file


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExperimentData(_Section):
    """Where the observations come from: exactly one of ``path`` and ``synthetic``."""

    path: Path | None = None
    synthetic: SyntheticConfig | None = None
    preparation: DataConfig = Field(default_factory=DataConfig)

    @model_validator(mode="after")
    def _one_source(self) -> ExperimentData:
        if (self.path is None) == (self.synthetic is None):
            raise ValueError("give exactly one of `path` (a parquet file) and `synthetic`")
        return self


class Evaluation(_Section):
    """How detectors are compared."""

    train_fraction: float = Field(0.5, gt=0.0, lt=1.0)
    primary: str = "nab_standard"
    plot_series: int = Field(1, ge=0)

    @field_validator("primary")
    @classmethod
    def _known_metric(cls, name: str) -> str:
        from anomalia.evaluation import COLUMNS

        if name not in COLUMNS:
            raise ValueError(f"unknown metric `{name}`; choose from {', '.join(COLUMNS[5:])}")
        return name


class ExperimentConfig(_Section):
    """One experiment file."""

    name: str = Field(min_length=1)
    description: str = ""
    data: ExperimentData
    detectors: dict[str, dict[str, Any]] = Field(min_length=1)
    threshold: dict[str, Any] = Field(
        default_factory=lambda: {"method": "quantile", "contamination": 0.01}
    )
    evaluation: Evaluation = Field(default_factory=Evaluation)

    @field_validator("detectors", mode="before")
    @classmethod
    def _params_mappings(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {name: params or {} for name, params in value.items()}
        return value

    @field_validator("detectors")
    @classmethod
    def _known_detectors(cls, detectors: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        from anomalia.detectors.registry import DETECTORS

        unknown = [name for name in detectors if name not in DETECTORS]
        if unknown:
            raise ValueError(
                f"unknown detector `{unknown[0]}`; choose from {', '.join(sorted(DETECTORS))}"
            )
        return detectors

    @field_validator("threshold")
    @classmethod
    def _valid_threshold(cls, spec: dict[str, Any]) -> dict[str, Any]:
        from anomalia.thresholds import make_threshold

        make_threshold(spec)  # ConfigError is a ValueError: pydantic reports it
        return spec


def load_experiment(path: str | Path) -> ExperimentConfig:
    """Read and validate an experiment file.

    Raises
    ------
    ConfigError
        Naming the file and the offending key. A relative ``data.path`` is
        read relative to the current folder, like every other CLI path.
    """
    return read_model_file(path, ExperimentConfig, what="experiment")
