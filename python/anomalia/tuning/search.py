"""Hyperparameter search with Optuna over a detector's declared search space.

Each trial builds a :class:`~anomalia.modelset.ModelSet` with the suggested
parameters, fits and scores it on every time-ordered fold
(:mod:`anomalia.tuning.folds`) and averages the objective over the folds'
validation parts (:func:`anomalia.evaluation.evaluate_scores`). The first
trial evaluates the detector's current parameters (its defaults, or the
configuration's) whenever they lie in the space, so the result is compared
with them on equal terms. Sampling is Optuna's TPE, seeded: the same data,
space and seed give the same trials.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from anomalia.detectors.registry import get_detector_class, make_detector
from anomalia.diagnostics import check_fold_labels, check_training_labels, validates_on_label
from anomalia.evaluation import evaluate_scores
from anomalia.exceptions import AnomaliaError, ConfigError, DataError, MissingDependencyError
from anomalia.modelset import ModelSet
from anomalia.tuning.folds import Fold, expanding_folds
from anomalia.tuning.space import Param, as_trial_values, decode, suggest

log = logging.getLogger(__name__)

#: Objective names of ``anomalia tune`` mapped to columns of the metrics table.
OBJECTIVES: dict[str, str] = {"nab": "nab_standard", "event_f1": "event_f1", "pr_auc": "pr_auc"}


@dataclass
class TuningResult:
    """What a search found.

    Attributes
    ----------
    detector, objective : str
    best_params : dict
        Tuned parameters plus the fixed ones (``random_state``), ready for
        ``anomalia train --params``.
    best_value : float
        Mean objective over the folds with ``best_params``.
    baseline_value : float or None
        The same for the starting parameters; None when they are outside the space.
    trials : DataFrame
        One row per trial: ``number``, ``value`` (nan when it failed), ``state``
        and one column per parameter.
    """

    detector: str
    objective: str
    best_params: dict[str, Any]
    best_value: float
    baseline_value: float | None
    trials: pd.DataFrame = field(repr=False)


def _optuna() -> Any:
    try:
        import optuna
    except ImportError:
        raise MissingDependencyError("tuning needs optuna: pip install 'anomalia[tune]'") from None
    return optuna


def fold_objective(
    detector: str,
    params: dict[str, Any],
    folds: list[Fold],
    objective: str,
    threshold: dict[str, Any] | None = None,
    fill_method: str = "linear",
) -> float:
    """Mean of the objective over the folds' validation parts (nan if never defined)."""
    column = OBJECTIVES[objective]
    values = []
    for fold in folds:
        if not validates_on_label(fold):
            continue  # the objective is undefined there (tune warns before the first trial)
        model_set = ModelSet(detector, params, threshold, fill_method)
        model_set.fit(fold.observations, train_fraction=fold.train_fraction, progress=False)
        scores = model_set.score(fold.observations, progress=False)
        metrics = evaluate_scores(fold.observations, scores, {detector: model_set.train_ends()})
        values.append(float(metrics[column].iloc[0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.nanmean(values))


def tune(
    observations: pd.DataFrame,
    detector: str,
    space: dict[str, Param],
    *,
    objective: str = "event_f1",
    n_trials: int = 20,
    seed: int = 0,
    base_params: dict[str, Any] | None = None,
    threshold: dict[str, Any] | None = None,
    n_folds: int = 3,
    min_train: float = 0.5,
    fill_method: str = "linear",
    progress: bool = True,
) -> TuningResult:
    """Search ``space`` for the parameters of ``detector`` that maximise ``objective``.

    Parameters
    ----------
    observations : DataFrame
        Labelled contract observations.
    detector : str
        Registry name.
    space : dict
        Parameter name to search range (:func:`~anomalia.tuning.space.load_search_space`).
    objective : {"nab", "event_f1", "pr_auc"}
        NAB standard-profile score, event-wise F1 (depends on ``threshold``)
        or point-wise PR-AUC (average precision).
    n_trials : int
        Trials, the first being ``base_params`` when they lie in the space.
    seed : int
        Seed of the sampler, and ``random_state`` of detectors that take one
        (unless ``base_params`` or the space set it).
    base_params : dict, optional
        Parameters held fixed unless the space tunes them (e.g. from the configuration).
    threshold : dict, optional
        Threshold spec of the model sets (default: the ModelSet default).
    n_folds, min_train
        Expanding-window folds (:func:`~anomalia.tuning.folds.expanding_folds`).

    Returns
    -------
    TuningResult

    Raises
    ------
    ConfigError
        On an unknown objective or bad trial count.
    DataError
        If the data has no labels, or no trial could be evaluated.
    """
    optuna = _optuna()
    if objective not in OBJECTIVES:
        raise ConfigError(
            f"unknown objective `{objective}`; choose one of: {', '.join(OBJECTIVES)}"
        )
    if isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 1:
        raise ConfigError(f"`n_trials` must be an integer >= 1, got {n_trials!r}")
    if "label" not in observations.columns or not (observations["label"] == 1).any():
        raise DataError(
            "tuning needs labelled anomalies: the observations have no `label` column or "
            "no row labelled 1 (ingest with --label-column or --nab-labels)"
        )
    fixed = dict(base_params or {})
    start = make_detector(detector, **fixed).get_params()
    if "random_state" in start and "random_state" not in fixed and "random_state" not in space:
        fixed["random_state"] = seed
    folds = expanding_folds(observations, n_folds, min_train)
    # Before the first trial: an objective no fold can compute, or a supervised
    # detector without labelled training rows, would only fail after every trial.
    check_fold_labels(folds, objective)
    if get_detector_class(detector).requires_labels:
        for fold in folds:
            check_training_labels(fold.observations, detector, fold.train_fraction)

    def evaluate(trial: Any) -> float:
        params = {**fixed, **suggest(trial, space)}
        try:
            value = fold_objective(detector, params, folds, objective, threshold, fill_method)
        except (AnomaliaError, ValueError) as error:
            # A combination the data cannot support (a window longer than the training part).
            trial.set_user_attr("error", str(error))
            raise optuna.TrialPruned(str(error)) from None
        if math.isnan(value):
            raise optuna.TrialPruned("the objective is undefined on every validation part")
        return value

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=seed)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    baseline = as_trial_values(space, {**start, **fixed})
    if baseline is not None:
        study.enqueue_trial(baseline)
    bar = tqdm(total=n_trials, desc=f"tune {detector}", disable=None if progress else True)

    def report(study: Any, trial: Any) -> None:
        bar.update()
        shown = ", ".join(f"{k}={v}" for k, v in trial.params.items())
        if trial.value is None:
            reason = trial.user_attrs.get("error", "objective undefined")
            log.info("trial %d/%d: skipped (%s): %s", trial.number + 1, n_trials, reason, shown)
            return
        log.info(
            "trial %d/%d: %s %.4f (best %.4f): %s",
            trial.number + 1,
            n_trials,
            objective,
            trial.value,
            study.best_value,
            shown,
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.optimize(evaluate, n_trials=n_trials, callbacks=[report])
    bar.close()
    complete = [t for t in study.trials if t.value is not None]
    if not complete:
        first = study.trials[0].user_attrs.get("error", "objective undefined")
        raise DataError(f"no trial of `{detector}` could be evaluated; the first failed: {first}")
    best = study.best_trial
    baseline_value = None
    if baseline is not None and study.trials[0].value is not None:
        baseline_value = float(study.trials[0].value)
    best_params = {**fixed, **decode(space, best.params)}
    return TuningResult(
        detector=detector,
        objective=objective,
        best_params=best_params,
        best_value=float(best.value),
        baseline_value=baseline_value,
        trials=_trials_table(study),
    )


def _trials_table(study: Any) -> pd.DataFrame:
    rows = [
        {
            "number": trial.number,
            "value": np.nan if trial.value is None else trial.value,
            "state": trial.state.name,
            **trial.params,
        }
        for trial in study.trials
    ]
    return pd.DataFrame(rows)
