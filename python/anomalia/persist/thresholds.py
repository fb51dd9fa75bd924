"""Fitted thresholds in safe files: method, parameters and fitted attributes.

A threshold is saved generically, as its registry name, ``get_params()`` and
every attribute ending in ``_`` (its fitted and streaming state), and rebuilt
through :func:`anomalia.thresholds.make_threshold`, so no class is named by
the file and any threshold that keeps its state in such attributes is
covered without code here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from anomalia.exceptions import ConfigError, DataError
from anomalia.persist import load_state, save_state

if TYPE_CHECKING:
    from anomalia.thresholds import BaseThreshold

#: File stem of a saved threshold (``threshold.json``, ``threshold.npz``).
THRESHOLD = "threshold"


def save_threshold(
    folder: str | Path, threshold: BaseThreshold, *, fingerprint: str | None = None
) -> None:
    """Save ``threshold`` into ``folder`` (see the module docstring)."""
    fitted = {key: value for key, value in vars(threshold).items() if key.endswith("_")}
    state = {"method": threshold.name, "params": threshold.get_params(), "fitted": fitted}
    save_state(folder, state, name=THRESHOLD, fingerprint=fingerprint)


def load_threshold(folder: str | Path, *, fingerprint: str | None = None) -> BaseThreshold:
    """Rebuild a threshold saved by :func:`save_threshold`.

    Raises
    ------
    DataError
        If the files are not a saved threshold, name an unknown method or bad
        parameters, or belong to a model of another ``fingerprint``.
    """
    from anomalia.thresholds import make_threshold

    json_file = Path(folder) / f"{THRESHOLD}.json"
    state: dict[str, Any] = load_state(folder, name=THRESHOLD, fingerprint=fingerprint)
    try:
        threshold = make_threshold({"method": state["method"], **state["params"]})
        fitted = dict(state["fitted"])
    except (KeyError, TypeError, ConfigError) as error:
        raise DataError(f"{json_file}: not a saved threshold ({error})") from None
    for key, value in fitted.items():
        if not isinstance(key, str) or not key.endswith("_"):
            raise DataError(f"{json_file}: `{key}` is not a fitted attribute")
        setattr(threshold, key, value)
    return threshold
