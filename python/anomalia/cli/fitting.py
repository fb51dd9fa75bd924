"""The train loop shared by both engines: fit each detector, save it at once, keep going."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from anomalia.exceptions import DataError

log = logging.getLogger("anomalia")


def fit_each(
    specs: Sequence[tuple[str, dict, dict]],
    fit: Callable[[Any], None],
    root: Path,
    *,
    fill_method: str,
    new_series: dict[str, Any] | None,
    debug: bool = False,
    where: str = "",
) -> tuple[list[Any], list[str]]:
    """Fit and save the model set of each ``(name, params, threshold spec)``.

    ``fit(model_set)`` fits one model set in place (locally or on a cluster).
    Each is saved (atomically) as soon as it has fitted, so a later failure
    cannot lose it; a failure is logged and the others go on.

    Returns
    -------
    fitted : list of ModelSet
    failed : list of str
        ``"name: reason"`` of each detector that failed (see :func:`raise_failures`).
    """
    from anomalia.diagnostics import silent_thresholds
    from anomalia.modelset import ModelSet

    failed, fitted = [], []
    for name, params, spec in specs:
        try:
            model_set = ModelSet(name, params, spec, fill_method, new_series)
            fit(model_set)
        except Exception as error:  # one detector's failure must not lose the others
            if debug:
                raise
            text = (
                str(error) if isinstance(error, ValueError) else f"{type(error).__name__}: {error}"
            )
            if isinstance(error, DataError) and "fraction" not in text:
                text += " (a longer training part may help: raise --train-fraction)"
            failed.append(f"{name}: {text}")
            log.error("%s failed and was not saved: %s", name, text)
            continue
        model_set.save(root / name)
        log.info(
            "trained %s on %d series in %.1f s%s; saved to %s",
            name,
            len(model_set.members_),
            model_set.fit_seconds_,
            where,
            root / name,
        )
        for message in silent_thresholds(model_set):
            log.warning("%s", message)
        fitted.append(model_set)
    return fitted, failed


def raise_failures(failed: Sequence[str], total: int, root: Path) -> None:
    """Raise :class:`DataError` naming the detectors that failed, if any."""
    if failed:
        raise DataError(
            f"{len(failed)} of {total} detectors failed ({'; '.join(failed)}); "
            f"the other {total - len(failed)} were saved to {root}"
        )
