"""Checks for detector parameters, run by each detector when it is fitted.

Messages name the parameter, the expectation and the value received, e.g.
"`n_neighbors` must be an integer >= 1, got 0".
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from anomalia.exceptions import ConfigError


def check_integer(name: str, value: object, *, minimum: int) -> None:
    """Raise ``ConfigError`` unless ``value`` is an integer (not a bool) ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"`{name}` must be an integer >= {minimum}, got {value!r}")


def check_number(
    name: str,
    value: object,
    *,
    low: float,
    high: float,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    """Raise ``ConfigError`` unless ``value`` is a real number in the given interval."""
    valid = (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, bool)
        and np.isfinite(value)
        and (low < value if low_open else low <= value)
        and (value < high if high_open else value <= high)
    )
    if not valid:
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ConfigError(f"`{name}` must be a number in {interval}, got {value!r}")


def check_choice(name: str, value: object, choices: Collection[object]) -> None:
    """Raise ``ConfigError`` unless ``value`` is one of ``choices``."""
    if value not in choices:
        options = ", ".join(repr(choice) for choice in choices)
        raise ConfigError(f"`{name}` must be one of {options}, got {value!r}")
