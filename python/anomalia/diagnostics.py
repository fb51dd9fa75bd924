"""Plain words for outcomes that would otherwise fail late or come back empty.

- :func:`check_training_labels`: a supervised detector needs labelled
  anomalies in the training part, checked before anything is fitted.
- :func:`silent_thresholds`: a fitted threshold that flags none of its own
  calibration scores, with what to change.
- :func:`check_fold_labels`: tuning folds that validate on no labelled
  anomaly (their objective is undefined) are warned about, and when no fold
  has one the search stops before the first trial.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from anomalia.exceptions import DataError

#: What to change when a threshold method flags nothing, by method.
_LOOSEN = {
    "quantile": "raise `contamination`",
    "static": "lower `value`",
    "pot": "raise `risk` or lower `initial_quantile`, or use `--threshold quantile`",
    "spot": "raise `risk` or lower `initial_quantile`, or use `--threshold quantile`",
    "dynamic": "lower `z_range`, or use `--threshold quantile`",
    "budget": "raise `alerts_per_day` or `alerts_per_1000`",
}


def _first_label_share(frame: pd.DataFrame) -> float:
    """Share of a series up to and including its first point labelled 1 (inf if none)."""
    positive = np.flatnonzero(frame["label"].to_numpy() == 1)
    return (positive[0] + 1) / len(frame) if positive.size else math.inf


def check_training_labels(observations: pd.DataFrame, detector: str, train_fraction: float) -> None:
    """Raise unless the training part holds labelled anomalies for a supervised detector.

    Raises
    ------
    DataError
        Naming the series and the ``--train-fraction`` that would include a
        labelled anomaly.
    """
    if "label" not in observations.columns:
        raise DataError(
            f"detector `{detector}` is supervised and needs labels, but the data has no "
            "`label` column; pass --label-column NAME, or --labels EVENTS.csv "
            "(series_id,start,end)"
        )
    shares = {
        str(series_id): _first_label_share(frame)
        for series_id, frame in observations.groupby("series_id", sort=False)
    }
    if any(share <= train_fraction for share in shares.values()):
        return
    names = ", ".join(f"`{s}`" for s in list(shares)[:5]) + (" ..." if len(shares) > 5 else "")
    labelled = {s: share for s, share in shares.items() if math.isfinite(share)}
    if not labelled:
        raise DataError(
            f"detector `{detector}` is supervised but no point of series {names} is "
            "labelled 1; label anomalies (--label-column, --labels) or choose an "
            "unsupervised detector"
        )
    series, share = min(labelled.items(), key=lambda item: item[1])
    needed = math.ceil(share * 100 + 1) / 100
    raise DataError(
        f"detector `{detector}` is supervised but the training part (first "
        f"{train_fraction:.0%} of each series) of series {names} holds no point labelled 1; "
        f"the earliest labelled anomaly is at {share:.0%} of series `{series}`: "
        f"raise --train-fraction to {min(needed, 1.0):g} or more"
    )


def silent_thresholds(model_set: Any) -> list[str]:
    """One warning per series whose threshold flags none of its calibration scores.

    ``model_set`` is a fitted :class:`~anomalia.modelset.ModelSet`. Thresholds
    are copied before use, so streaming ones keep their state.
    """
    method = str(model_set.threshold.get("method", "quantile"))
    advice = _LOOSEN.get(method, "loosen the threshold")
    messages = []
    for series_id, member in model_set.members_.items():
        calibration = member.calibration
        if calibration is None or len(calibration) == 0:
            continue
        levels = np.asarray(copy.deepcopy(member.threshold).thresholds(calibration), dtype=float)
        if (calibration > levels).any():
            continue
        messages.append(
            f"detector `{model_set.detector}`, series `{series_id}`: the `{method}` threshold "
            f"({np.nanmin(levels):.4g}) is above every one of its {len(calibration)} "
            f"calibration scores (largest {np.max(calibration):.4g}), so it may flag "
            f"nothing; {advice}"
        )
    return messages


def validates_on_label(fold: Any) -> bool:
    """Whether a tuning fold's validation part holds a point labelled 1."""
    if "label" not in fold.observations.columns:
        return False
    for _series_id, frame in fold.observations.groupby("series_id", sort=False):
        n_train = int(len(frame) * fold.train_fraction)
        if (frame["label"].to_numpy()[n_train:] == 1).any():
            return True
    return False


def check_fold_labels(folds: Sequence[Any], objective: str) -> list[int]:
    """Check that the folds' validation parts hold points labelled 1.

    ``folds`` are :class:`~anomalia.tuning.folds.Fold` objects. A fold without
    one cannot compute ``objective`` and is left out of the mean: it is
    warned about. When no fold has one, nothing could be tuned.

    Returns
    -------
    list of int
        Numbers (from 1) of the folds without a labelled point.

    Raises
    ------
    DataError
        When no fold validates on a labelled point, with what to change.
    """
    if any("label" not in fold.observations.columns for fold in folds):
        return []  # the search reports missing labels itself
    empty = [number for number, fold in enumerate(folds, start=1) if not validates_on_label(fold)]
    advice = "use fewer --folds, another --min-train, or data with more labelled anomalies"
    if len(empty) == len(folds):
        raise DataError(
            f"no tuning fold validates on a point labelled 1, so `{objective}` is undefined "
            f"on every fold and no trial could be judged; {advice}"
        )
    if empty:
        warnings.warn(
            f"tuning fold(s) {', '.join(map(str, empty))} of {len(folds)} validate on rows "
            f"with no point labelled 1; `{objective}` is averaged over the other folds "
            f"only ({advice})",
            stacklevel=2,
        )
    return empty
