"""Compare a scores table with the labels of its observations, per detector.

Metrics from :mod:`anomalia.metrics` are computed per series and averaged
over series (macro average, series without labelled events contribute only to
the metrics that are defined for them); the NAB score is computed once over
the whole corpus with one threshold per profile, as NAB prescribes.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from anomalia.exceptions import DataError
from anomalia.metrics import NabSeries, evaluate, nab_score

NAB_KEYS = ("nab_standard", "nab_reward_low_fp_rate", "nab_reward_low_fn_rate")
COLUMNS = [
    "detector", "n_series", "n_points", "n_events", "n_flagged",
    "event_precision", "event_recall", "event_f1",
    "precision", "recall", "f1", "point_adjusted_f1",
    "roc_auc", "pr_auc", "vus_roc", "vus_pr", "mean_delay", *NAB_KEYS,
]  # fmt: skip


TrainEnds = Mapping[str, Mapping[str, pd.Timestamp]]


def held_out(scores: pd.DataFrame, train_ends: TrainEnds | None) -> np.ndarray:
    """Boolean mask of score rows after their detector's training end for that series.

    ``train_ends`` is ``{detector: {series_id: last training timestamp}}``;
    rows of a detector or series it does not list count as held out.
    """
    if not train_ends:
        return np.ones(len(scores), dtype=bool)
    ends = pd.DataFrame(
        [(d, s, t) for d, per_series in train_ends.items() for s, t in per_series.items()],
        columns=["detector", "series_id", "train_end"],
    )
    ends["train_end"] = pd.to_datetime(ends["train_end"], utc=True)
    end = scores[["detector", "series_id"]].merge(ends, how="left")["train_end"].to_numpy()
    return (pd.isna(end) | (scores["timestamp"].to_numpy() > end)).astype(bool)


def evaluate_scores(
    observations: pd.DataFrame,
    scores: pd.DataFrame,
    train_ends: TrainEnds | None = None,
) -> pd.DataFrame:
    """Return one row of metrics per detector.

    Parameters
    ----------
    observations : DataFrame
        Contract observations with a ``label`` column.
    scores : DataFrame
        Contract scores for (a subset of) the same rows.
    train_ends : dict, optional
        ``{detector: {series_id: last training timestamp}}``; rows up to and
        including it are left out, so detectors are judged on data they did
        not train on.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`.

    Raises
    ------
    DataError
        When the observations have no labels or no scored row matches them.
    """
    if "label" not in observations.columns:
        raise DataError(
            "observations have no `label` column; evaluation needs labelled data "
            "(ingest with --label-column or --nab-labels)"
        )
    labels = observations[["series_id", "timestamp", "label"]]
    rows, unlabelled = [], []
    for detector, frame in scores.groupby("detector", sort=True):
        joined = frame.merge(labels, on=["series_id", "timestamp"], how="inner")
        if joined.empty:
            raise DataError(
                f"scores of detector `{detector}` match no labelled observation "
                "(series_id and timestamp must agree)"
            )
        judged = held_out(joined, train_ends)
        if not judged.any():
            raise DataError(
                f"every scored row of detector `{detector}` was used for training, so none "
                "is left to judge; score later data, or train with a lower --train-fraction"
            )
        if not (joined["label"].to_numpy()[judged] == 1).any():
            unlabelled.append(str(detector))
        joined = joined[judged]
        per_series, corpus = [], []
        for series_id, part in joined.groupby("series_id", sort=False):
            y_true = part["label"].to_numpy()
            values = part["score"].to_numpy()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                per_series.append(evaluate(y_true, values, part["is_anomaly"].to_numpy()))
            corpus.append(NabSeries.from_labels(values, y_true, name=str(series_id)))
        table = pd.DataFrame(per_series)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-nan columns average to nan
            row = {key: float(np.nanmean(table[key])) for key in table.columns}
        nab = nab_score(corpus)
        for key, profile in zip(
            NAB_KEYS, ("standard", "reward_low_FP_rate", "reward_low_FN_rate"), strict=True
        ):
            row[key] = nab[profile].score
        row.update(
            detector=detector,
            n_series=len(per_series),
            n_points=len(joined),
            n_events=int(table["n_events"].sum()),
            n_flagged=int(joined["is_anomaly"].sum()),
        )
        rows.append(row)
    _say_unlabelled(unlabelled, scores["detector"].nunique(), bool(train_ends))
    return pd.DataFrame(rows)[COLUMNS]


def _say_unlabelled(detectors: list[str], n_detectors: int, excluded_training: bool) -> None:
    """Plain words instead of all-NaN tables when the judged rows hold no labelled anomaly."""
    if not detectors:
        return
    rows = "the rows after the training part" if excluded_training else "the scored rows"
    advice = "evaluate on data with labelled anomalies"
    if excluded_training:
        advice += ", or train with a lower --train-fraction so that some fall after it"
    if len(detectors) == n_detectors:
        raise DataError(
            f"{rows} hold no point labelled 1, so precision, recall, F1 and the curves "
            f"are undefined; {advice}"
        )
    named = ", ".join(f"`{detector}`" for detector in detectors)
    warnings.warn(
        f"for {named}, {rows} hold no point labelled 1, so their event and ranking "
        f"metrics are undefined (NaN); {advice}",
        stacklevel=3,
    )
