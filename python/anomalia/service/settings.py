"""Service settings from ``ANOMALIA_*`` environment variables (or keyword arguments)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration of one service instance.

    Every field can be set by an environment variable named ``ANOMALIA_`` plus
    the field name in capitals, e.g. ``ANOMALIA_MODELS_DIR=/models``.
    """

    model_config = SettingsConfigDict(env_prefix="ANOMALIA_", extra="forbid")

    models_dir: Path = Field(
        Path("data/models"),
        description="Model root written by `anomalia train` (one folder per detector).",
    )
    model_source: str | None = Field(
        None,
        description="MLflow model to serve instead of `models_dir`: `models:/NAME@ALIAS`, "
        "`models:/NAME/VERSION` or `runs:/ID/model`; `POST /models/NAME/reload` fetches it again.",
    )
    tracking_uri: str | None = Field(
        None,
        description="MLflow store of `model_source` (default: MLFLOW_TRACKING_URI, "
        "else results/mlflow).",
    )
    registry_dir: Path | None = Field(
        None,
        description="Where registered versions are kept; default `<models_dir>/.registry`.",
    )
    import_root: Path | None = Field(
        None,
        description="Folders registered by path must lie under it; default `models_dir`.",
    )
    streams_dir: Path | None = Field(
        None,
        description="Where stream states (/v1/streams) are kept; default `<models_dir>/.streams`.",
    )
    streams_fsync: bool = Field(
        True,
        description="Flush each stream state to disk before answering (survives power cuts; "
        "without it a killed process still loses nothing).",
    )
    api_key: SecretStr | None = Field(
        None, description="When set, every route but /health and /ready needs `X-API-Key`."
    )
    max_body_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="Largest request body.")
    max_points: int = Field(100_000, ge=1, description="Most points scored in one request.")
    drift_psi_threshold: float = Field(
        0.2, gt=0, description="PSI above which input drift is logged as a warning."
    )
    drift_min_points: int = Field(
        100, ge=1, description="Fewest points of a series and column for a drift estimate."
    )
    max_loaded_versions: int = Field(
        16, ge=1, description="Non-serving versions kept in memory after use."
    )

    @field_validator("api_key", mode="before")
    @classmethod
    def _empty_key_is_none(cls, value: object) -> object:
        # `ANOMALIA_API_KEY=` (as compose writes an unset variable) means no authentication.
        return None if value == "" else value

    @property
    def registry_path(self) -> Path:
        return self.registry_dir or self.models_dir / ".registry"

    @property
    def streams_path(self) -> Path:
        return self.streams_dir or self.models_dir / ".streams"

    @property
    def import_path(self) -> Path:
        return self.import_root or self.models_dir


@lru_cache
def get_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return Settings()
