"""Names used in configs mapped to threshold classes, imported on demand."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from anomalia.exceptions import ConfigError
from anomalia.thresholds.base import BaseThreshold

THRESHOLDS: dict[str, str] = {
    "static": "anomalia.thresholds.static:StaticThreshold",
    "quantile": "anomalia.thresholds.static:QuantileThreshold",
    "pot": "anomalia.thresholds.pot:PeaksOverThreshold",
    "spot": "anomalia.thresholds.pot:StreamingPOT",
    "dynamic": "anomalia.thresholds.dynamic:DynamicThreshold",
    "budget": "anomalia.thresholds.budget:BudgetThreshold",
}


def available_thresholds() -> list[str]:
    """Return the registered threshold method names, sorted."""
    return sorted(THRESHOLDS)


def get_threshold_class(method: str) -> type[BaseThreshold]:
    """Import and return the threshold class registered as ``method``."""
    try:
        target = THRESHOLDS[method]
    except (KeyError, TypeError):
        raise ConfigError(
            f"unknown threshold method {method!r}; choose one of: "
            f"{', '.join(available_thresholds())}"
        ) from None
    module_name, class_name = target.split(":")
    return getattr(importlib.import_module(module_name), class_name)


def make_threshold(spec: Mapping[str, Any] | str) -> BaseThreshold:
    """Build an unfitted threshold from a config spec.

    Parameters
    ----------
    spec : dict or str
        ``{"method": name, **params}``, e.g. ``{"method": "pot", "risk": 1e-4}``,
        or just the method name for its defaults. Methods: ``"static"``
        (``value``), ``"quantile"`` (``contamination``), ``"pot"`` (``risk``,
        ``initial_quantile``), ``"spot"`` (those and ``refit_every``),
        ``"dynamic"`` (``window``, ``step``, ``smoothing``, ``z_range``,
        ``z_step``), ``"budget"`` (``alerts_per_day`` or ``alerts_per_1000``,
        ``interval``, ``initial_quantile``, ``refit_every``).

    Returns
    -------
    BaseThreshold
        With its parameters already checked.

    Raises
    ------
    ConfigError
        If the method is unknown, a parameter is unknown (the valid ones are
        listed) or a parameter value is invalid.

    Examples
    --------
    >>> make_threshold({"method": "quantile", "contamination": 0.05})
    QuantileThreshold(contamination=0.05)
    """
    if isinstance(spec, str):
        spec = {"method": spec}
    if not isinstance(spec, Mapping):
        raise ConfigError(
            f"a threshold spec must be a method name or a mapping with a `method` key, "
            f"got {type(spec).__name__}"
        )
    params = dict(spec)
    if "method" not in params:
        raise ConfigError(
            f"threshold spec {dict(spec)!r} has no `method`; choose one of: "
            f"{', '.join(available_thresholds())}"
        )
    method = params.pop("method")
    threshold_class = get_threshold_class(method)
    valid = threshold_class._param_names()
    unknown = [name for name in params if name not in valid]
    if unknown:
        raise ConfigError(
            f"threshold method `{method}` has no parameter `{unknown[0]}`; "
            f"valid parameters: {', '.join(valid) or 'none'}"
        )
    threshold = threshold_class(**params)
    threshold.validate_params()
    return threshold
