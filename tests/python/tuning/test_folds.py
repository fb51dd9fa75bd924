"""Expanding-window folds never let a fold train on its future."""

from __future__ import annotations

import pytest

from anomalia.exceptions import ConfigError
from anomalia.synthetic import generate
from anomalia.tuning.folds import expanding_folds


def test_folds_expand_and_end_where_their_validation_ends():
    observations = generate(n_series=2, length=1200, seed=0).observations
    folds = expanding_folds(observations, n_folds=3, min_train=0.4)
    per_series = [fold.observations.groupby("series_id").size().tolist() for fold in folds]
    # Validation parts of 20% each: the folds see 60%, 80% and 100% of every series.
    assert per_series == [[720, 720], [960, 960], [1200, 1200]]
    trained = [
        round(fold.train_fraction * size[0]) for fold, size in zip(folds, per_series, strict=True)
    ]
    assert trained == [480, 720, 960]
    last_seen = folds[0].observations.groupby("series_id")["timestamp"].max()
    first_unseen = observations.groupby("series_id")["timestamp"].nth(720)
    assert (last_seen.to_numpy() < first_unseen.to_numpy()).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_folds": 0, "min_train": 0.5}, "`n_folds`"),
        ({"n_folds": 2, "min_train": 1.0}, "`min_train`"),
    ],
)
def test_bad_fold_settings_are_explained(kwargs, message):
    observations = generate(n_series=1, length=300, seed=0).observations
    with pytest.raises(ConfigError, match=message):
        expanding_folds(observations, **kwargs)
