"""Configuration: YAML validated into typed objects, defaults in one place.

``configs/default.yaml`` mirrors these defaults; command-line flags override
single keys after loading.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from anomalia.exceptions import ConfigError

ModelT = TypeVar("ModelT", bound=BaseModel)

DEFAULT_DETECTORS = ["zscore", "mad", "arima", "iforest", "ocsvm", "lof", "dbscan", "random_forest"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataConfig(_Section):
    """Preparation of observations before training and detection."""

    frequency: str | None = None
    fill_method: Literal["linear", "ffill", "nearest", "zero"] = "linear"


class SyntheticConfig(_Section):
    """The labelled synthetic dataset made by ``anomalia generate``."""

    n_series: int = Field(6, ge=1)
    length: int = Field(4032, ge=200)
    freq: str = "5min"
    seed: int = 0


class TrainConfig(_Section):
    """Which detectors to train, with which parameters, on which share of each series.

    ``thresholds`` maps a detector name to its own threshold spec, which
    replaces the top-level ``threshold`` for that detector (e.g. the dynamic
    threshold for the LSTM forecaster, as Hundman et al. pair them).
    """

    detectors: list[str] = Field(default_factory=lambda: list(DEFAULT_DETECTORS))
    train_fraction: float = Field(0.5, gt=0.0, le=1.0)
    params: dict[str, dict[str, Any]] = Field(default_factory=dict)
    thresholds: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @field_validator("detectors")
    @classmethod
    def _known(cls, names: list[str]) -> list[str]:
        from anomalia.detectors.params import check_detector_name

        for name in names:
            check_detector_name(name)
        if not names:
            raise ValueError("at least one detector is needed")
        return names

    # Parameters are checked here, when the file is read, so that a typo fails
    # before any data is read or any detector trained.
    @field_validator("params")
    @classmethod
    def _valid_params(cls, params: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        from anomalia.detectors.params import check_detector_params

        for name, values in params.items():
            check_detector_params(name, values)
        return params

    @field_validator("thresholds")
    @classmethod
    def _valid_thresholds(cls, specs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        from anomalia.detectors.params import check_detector_name, check_threshold_spec

        for name, spec in specs.items():
            check_detector_name(name)
            check_threshold_spec(spec)
        return specs


class PathsConfig(_Section):
    """Where the CLI reads and writes by default."""

    data: Path = Path("data/raw/synthetic.parquet")
    events: Path = Path("data/raw/synthetic_events.parquet")
    models: Path = Path("data/models")
    scores: Path = Path("data/processed/scores.parquet")
    metrics: Path = Path("reports/metrics.csv")
    report: Path = Path("reports/demo")


class AnomaliaConfig(_Section):
    """The whole configuration."""

    data: DataConfig = Field(default_factory=DataConfig)
    synthetic: SyntheticConfig = Field(default_factory=SyntheticConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)
    threshold: dict[str, Any] = Field(
        default_factory=lambda: {"method": "quantile", "contamination": 0.01}
    )
    paths: PathsConfig = Field(default_factory=PathsConfig)

    @field_validator("threshold")
    @classmethod
    def _valid_threshold(cls, spec: dict[str, Any]) -> dict[str, Any]:
        from anomalia.detectors.params import check_threshold_spec

        check_threshold_spec(spec)
        return spec


def load_config(path: str | Path | None = None) -> AnomaliaConfig:
    """Load and validate a YAML configuration; ``None`` gives the defaults.

    Raises
    ------
    ConfigError
        Naming the file and the offending key.
    """
    if path is None:
        return AnomaliaConfig()
    return read_model_file(path, AnomaliaConfig, what="configuration", empty_ok=True)


def read_model_file(
    path: str | Path, model: type[ModelT], *, what: str, empty_ok: bool = False
) -> ModelT:
    """Read a YAML file and validate it into ``model``.

    ``empty_ok`` lets an empty file stand for all defaults.

    Raises
    ------
    ConfigError
        Naming the file and the offending key (``what`` names the kind of file).
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such {what} file")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        detail = " ".join(str(error).split())  # one line: the CLI prints one line
        raise ConfigError(f"{path}: not valid YAML ({detail})") from None
    if raw is None and empty_ok:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "(top level)"
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message += _known_keys(model, first["loc"])
        raise ConfigError(f"{path}: `{key}`: {message}") from None


def _known_keys(model: type[BaseModel], location: tuple) -> str:
    """For a key its section does not know: the closest known key and all of them."""
    from anomalia.detectors.params import did_you_mean

    section: Any = model
    for part in location[:-1]:
        field = section.model_fields.get(str(part)) if isinstance(section, type) else None
        if field is None or not (
            isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
        ):
            return ""
        section = field.annotation
    keys = list(section.model_fields)
    return f"{did_you_mean(location[-1], keys)}; expected one of: {', '.join(keys)}"
