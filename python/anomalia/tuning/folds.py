"""Time-ordered validation folds: fit on the past, validate on what follows, never the reverse.

Expanding window: fold ``k`` of ``n_folds`` fits on the first
``train_k = min_train + k * (1 - min_train) / n_folds`` of every series and is
judged on the next ``(1 - min_train) / n_folds`` of it; later rows are cut
off, so nothing after the validation part is seen either.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from anomalia.exceptions import ConfigError


@dataclass(frozen=True)
class Fold:
    """One fold: the rows it may see, and the share of them it fits on."""

    observations: pd.DataFrame
    train_fraction: float


def expanding_folds(observations: pd.DataFrame, n_folds: int, min_train: float) -> list[Fold]:
    """Split every series in time into ``n_folds`` expanding-window folds.

    Parameters
    ----------
    observations : DataFrame
        Contract observations, sorted by time within each series.
    n_folds : int
        Number of folds, at least 1.
    min_train : float
        Share of each series the first fold fits on, in (0, 1).

    Returns
    -------
    list of Fold
        In time order; each holds the rows up to the end of its validation part.

    Raises
    ------
    ConfigError
        If ``n_folds`` or ``min_train`` is out of range.
    """
    if isinstance(n_folds, bool) or not isinstance(n_folds, int) or n_folds < 1:
        raise ConfigError(f"`n_folds` must be an integer >= 1, got {n_folds!r}")
    if not 0.0 < min_train < 1.0:
        raise ConfigError(f"`min_train` must be in (0, 1), got {min_train!r}")
    step = (1.0 - min_train) / n_folds
    position = observations.groupby("series_id", sort=False).cumcount().to_numpy()
    length = observations.groupby("series_id", sort=False)["timestamp"].transform("size")
    share = (position + 1) / length.to_numpy()
    folds = []
    for k in range(n_folds):
        train, end = min_train + k * step, min_train + (k + 1) * step
        rows = observations[share <= end + 1e-12]
        folds.append(Fold(rows.reset_index(drop=True), float(np.clip(train / end, 0.0, 1.0))))
    return folds
