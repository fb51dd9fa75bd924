"""Search spaces of ``anomalia tune``: declared as YAML data, validated, sampled by Optuna.

The default space of every detector lives in ``spaces.yaml`` beside this
module; a user file of the same shape replaces the spaces of the detectors it
names. Each parameter is ``{type: int|float, low, high, log, step}`` or
``{type: categorical, choices: [...]}``; categorical choices may be lists
(an ARIMA ``order``, feature ``windows``), which Optuna is handed as JSON text
and which come back as Python lists.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from anomalia.detectors.registry import get_detector_class
from anomalia.exceptions import ConfigError

DEFAULT_SPACES = "spaces.yaml"


class _Param(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IntParam(_Param):
    """An integer in ``[low, high]``, optionally log-spaced or stepped."""

    type: Literal["int"]
    low: int
    high: int
    log: bool = False
    step: int = Field(1, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> IntParam:
        if self.low > self.high or (self.log and self.low < 1):
            raise ValueError(f"needs 0 < low <= high for log, low <= high otherwise; got {self}")
        return self


class FloatParam(_Param):
    """A float in ``[low, high]``, optionally log-spaced."""

    type: Literal["float"]
    low: float
    high: float
    log: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> FloatParam:
        if self.low > self.high or (self.log and self.low <= 0):
            raise ValueError(f"needs 0 < low <= high for log, low <= high otherwise; got {self}")
        return self


class CategoricalParam(_Param):
    """One of ``choices`` (scalars or lists)."""

    type: Literal["categorical"]
    choices: list[Any] = Field(min_length=1)


Param = Annotated[IntParam | FloatParam | CategoricalParam, Field(discriminator="type")]
_SPACE = TypeAdapter(dict[str, dict[str, Param]])


def _validate(raw: object, source: str) -> dict[str, dict[str, Param]]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping of detector names to parameter spaces")
    try:
        spaces = _SPACE.validate_python(raw)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"][:3])
        raise ConfigError(f"{source}: `{key}`: {first['msg']}") from None
    for detector, space in spaces.items():
        valid = set(get_detector_class(detector)._param_names())
        unknown = [name for name in space if name not in valid]
        if unknown:
            raise ConfigError(
                f"{source}: detector `{detector}` has no parameter `{unknown[0]}`; "
                f"valid parameters: {', '.join(sorted(valid))}"
            )
    return spaces


def load_search_space(detector: str, path: str | Path | None = None) -> dict[str, Param]:
    """Return the search space of ``detector``: from ``path`` if it names it, else the default.

    Raises
    ------
    ConfigError
        If a file is unreadable or invalid, a parameter is unknown to the
        detector, or no space exists for ``detector``.
    """
    get_detector_class(detector)  # unknown names fail here, listing the valid ones
    if path is not None:
        file = Path(path)
        if not file.is_file():
            raise ConfigError(f"{file}: no such search-space file")
        try:
            raw = yaml.safe_load(file.read_text())
        except yaml.YAMLError as error:
            raise ConfigError(f"{file}: not valid YAML ({error})") from None
        spaces = _validate(raw, str(file))
        if detector in spaces:
            return spaces[detector]
    text = resources.files("anomalia.tuning").joinpath(DEFAULT_SPACES).read_text()
    defaults = _validate(yaml.safe_load(text), DEFAULT_SPACES)
    if detector not in defaults:
        raise ConfigError(
            f"no default search space for detector `{detector}`; give one with --space FILE "
            f"(see anomalia/tuning/{DEFAULT_SPACES} for the format)"
        )
    return defaults[detector]


def _encode(choice: Any) -> Any:
    return json.dumps(choice) if isinstance(choice, list | dict) else choice


def suggest(trial: Any, space: dict[str, Param]) -> dict[str, Any]:
    """Ask an Optuna trial for one value of every parameter; returns plain Python values."""
    params: dict[str, Any] = {}
    for name, param in space.items():
        if isinstance(param, IntParam):
            params[name] = trial.suggest_int(
                name, param.low, param.high, step=param.step, log=param.log
            )
        elif isinstance(param, FloatParam):
            params[name] = trial.suggest_float(name, param.low, param.high, log=param.log)
        else:
            encoded = [_encode(choice) for choice in param.choices]
            picked = trial.suggest_categorical(name, encoded)
            params[name] = param.choices[encoded.index(picked)]
    return params


def decode(space: dict[str, Param], values: dict[str, Any]) -> dict[str, Any]:
    """Optuna's stored values of a trial as the detector takes them (choices back to lists)."""
    params = {}
    for name, param in space.items():
        value = values[name]
        if isinstance(param, CategoricalParam):
            encoded = [_encode(choice) for choice in param.choices]
            value = param.choices[encoded.index(value)]
        params[name] = value
    return params


def as_trial_values(space: dict[str, Param], params: dict[str, Any]) -> dict[str, Any] | None:
    """``params`` as an Optuna trial would hold them, or None if one is outside the space.

    Used to evaluate the detector's defaults as the first trial.
    """
    values = {}
    for name, param in space.items():
        value = params[name]
        if isinstance(param, CategoricalParam):
            choices = [_encode(choice) for choice in param.choices]
            encoded = _encode(list(value) if isinstance(value, tuple) else value)
            if encoded not in choices:
                return None
            values[name] = encoded
        elif isinstance(value, bool) or not isinstance(value, int | float):
            return None
        elif not param.low <= value <= param.high:
            return None
        else:
            values[name] = value
    return values
