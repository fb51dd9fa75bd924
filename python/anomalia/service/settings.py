"""Service settings from ``ANOMALIA_*`` environment variables (or keyword arguments)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from anomalia.exceptions import ConfigError


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
        None,
        description="When set, every route but /health and /ready needs `X-API-Key`; "
        "registering models always needs it.",
    )
    insecure: bool = Field(
        False,
        description="Allow serving on a non-loopback address without an API key.",
    )
    max_body_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="Largest request body.")
    max_points: int = Field(100_000, ge=1, description="Most points scored in one request.")
    max_series: int = Field(1_000, ge=1, description="Most series in one request.")
    max_columns: int = Field(100, ge=1, description="Most value columns in one request.")
    max_archive_bytes: int = Field(
        512 * 1024 * 1024, ge=1024, description="Largest unpacked size of an uploaded archive."
    )
    max_archive_members: int = Field(
        1_000, ge=1, description="Most files and folders in an uploaded archive."
    )
    max_archive_ratio: float = Field(
        200.0, gt=1, description="Largest unpacked-to-packed size ratio of an uploaded archive."
    )
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


def is_loopback(host: str) -> bool:
    """True when ``host`` names only this machine (127.0.0.0/8, ::1 or ``localhost``)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def check_exposure(settings: Settings, host: str) -> None:
    """Refuse to serve on a non-loopback ``host`` without an API key, unless insecure.

    Raises
    ------
    ConfigError
        Naming the address and the two ways out.
    """
    if is_loopback(host) or settings.api_key is not None or settings.insecure:
        return
    raise ConfigError(
        f"refusing to serve on {host} without an API key: anyone who reaches it could "
        "score and read models; set ANOMALIA_API_KEY, or pass --insecure "
        "(ANOMALIA_INSECURE=1) if the network is trusted"
    )


@lru_cache
def get_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return Settings()
