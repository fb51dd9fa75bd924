"""NAB application profiles: the cost weights of the Numenta Anomaly Benchmark.

Lavin & Ahmad (2015) score a detector under three profiles that weigh true
positives, missed windows and false positives differently. NAB's
``config/profiles.json`` also carries a ``tnWeight``; NAB's scoring never
uses it and neither does anomalia.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from anomalia.exceptions import ConfigError


@dataclass(frozen=True)
class CostProfile:
    """Weights of one NAB application profile.

    Attributes
    ----------
    name : str
        Profile name as in NAB's ``profiles.json`` (e.g. ``"standard"``).
    tp_weight : float
        Reward for detecting a window (scaled by how early the detection is).
    fn_weight : float
        Cost of a window with no detection.
    fp_weight : float
        Cost of a detection outside every window (scaled down shortly after a window).
    """

    name: str
    tp_weight: float
    fn_weight: float
    fp_weight: float


STANDARD = CostProfile("standard", tp_weight=1.0, fn_weight=1.0, fp_weight=0.11)
REWARD_LOW_FP_RATE = CostProfile("reward_low_FP_rate", tp_weight=1.0, fn_weight=1.0, fp_weight=0.22)
REWARD_LOW_FN_RATE = CostProfile("reward_low_FN_rate", tp_weight=1.0, fn_weight=2.0, fp_weight=0.11)

#: The three profiles of the published benchmark, in NAB's order.
NAB_PROFILES: tuple[CostProfile, ...] = (STANDARD, REWARD_LOW_FP_RATE, REWARD_LOW_FN_RATE)

_WEIGHT_KEYS = {"tp_weight": "tpWeight", "fn_weight": "fnWeight", "fp_weight": "fpWeight"}


def _weight(path: Path, name: str, matrix: dict, key: str) -> float:
    value = matrix.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(
            f"{path}, profile `{name}`: `CostMatrix.{key}` must be a finite number, got {value!r}"
        )
    if value < 0:
        raise ConfigError(
            f"{path}, profile `{name}`: `CostMatrix.{key}` must be ≥ 0 "
            f"(costs are subtracted by the scorer), got {value!r}"
        )
    return float(value)


def load_nab_profiles(path: str | Path) -> tuple[CostProfile, ...]:
    """Read cost profiles from a NAB ``config/profiles.json``.

    Parameters
    ----------
    path : str or pathlib.Path
        JSON file mapping profile names to ``{"CostMatrix": {"tpWeight": ...,
        "fnWeight": ..., "fpWeight": ..., "tnWeight": ...}}``.

    Returns
    -------
    tuple of CostProfile
        One per profile, in the file's order.

    Raises
    ------
    ConfigError
        If the file is missing, is not valid JSON, or a profile lacks a
        ``CostMatrix`` with finite, non-negative ``tpWeight``, ``fnWeight``
        and ``fpWeight``.
    """
    path = Path(path)
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such profiles file") from None
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(content, dict) or not content:
        raise ConfigError(
            f"{path}: expected a JSON object mapping profile names to "
            '{"CostMatrix": {...}}, got ' + type(content).__name__
        )
    profiles = []
    for name, entry in content.items():
        matrix = entry.get("CostMatrix") if isinstance(entry, dict) else None
        if not isinstance(matrix, dict):
            raise ConfigError(f'{path}, profile `{name}`: expected {{"CostMatrix": {{...}}}}')
        weights = {field: _weight(path, name, matrix, key) for field, key in _WEIGHT_KEYS.items()}
        profiles.append(CostProfile(name, **weights))
    return tuple(profiles)
