"""Hyperparameter tuning: search spaces as data, time-ordered folds, Optuna search.

``anomalia tune`` writes the best parameters as YAML that ``anomalia train
--params`` reads unchanged. Optuna is imported only when a search runs.
"""

from anomalia.tuning.folds import Fold, expanding_folds
from anomalia.tuning.search import OBJECTIVES, TuningResult, fold_objective, tune
from anomalia.tuning.space import load_search_space

__all__ = [
    "OBJECTIVES",
    "Fold",
    "TuningResult",
    "expanding_folds",
    "fold_objective",
    "load_search_space",
    "tune",
]
