"""One fitted detector per series, with its threshold, saved as one folder.

A :class:`ModelSet` is what ``anomalia train`` writes and ``anomalia detect``
and the service load: for each series of the training data it prepares the
values (regular grid, missing values filled), fits a fresh detector on the
first ``train_fraction`` of the series, and fits the threshold on the
detector's scores over that training part.

Layout of a saved model set::

    <dir>/manifest.json          detector, params, threshold spec, series index
    <dir>/series-0000/           BaseDetector.save() folder + threshold.pkl
"""

from __future__ import annotations

import json
import logging
import pickle
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from anomalia import __version__
from anomalia.atomic import atomic_directory
from anomalia.contract.schema import value_columns
from anomalia.detectors.base import BaseDetector
from anomalia.detectors.registry import make_detector
from anomalia.exceptions import DataError, NotFittedError
from anomalia.preprocess.impute import fill_missing
from anomalia.preprocess.resample import infer_frequency, regularise
from anomalia.thresholds import make_threshold

log = logging.getLogger(__name__)


@dataclass
class SeriesModel:
    """The fitted pieces for one series."""

    detector: BaseDetector
    threshold: Any
    train_end: pd.Timestamp
    n_train: int
    frequency: pd.Timedelta


def _prepare(frame: pd.DataFrame, frequency: pd.Timedelta | None, fill: str) -> pd.DataFrame:
    regular, _gaps = regularise(frame, freq=frequency)
    return fill_missing(regular, method=fill)


class ModelSet:
    """Per-series detectors of one kind, trained and applied together.

    Parameters
    ----------
    detector : str
        Registry name of the detector.
    params : dict, optional
        Detector parameters.
    threshold : dict, optional
        Threshold spec for :func:`anomalia.thresholds.make_threshold`;
        by default the 99th percentile of training scores.
    fill_method : str, default "linear"
        How gaps are filled before fitting and scoring.

    Attributes
    ----------
    members_ : dict of str to SeriesModel
        Fitted detector and threshold per series id.
    value_columns_ : list of str
        Value columns the detectors were fitted on.
    """

    def __init__(
        self,
        detector: str,
        params: dict[str, Any] | None = None,
        threshold: dict[str, Any] | None = None,
        fill_method: str = "linear",
    ):
        self.detector = detector
        self.params = dict(params or {})
        self.threshold = dict(threshold or {"method": "quantile", "contamination": 0.01})
        self.fill_method = fill_method
        make_detector(detector, **self.params)  # fail early on bad names or params
        make_threshold(self.threshold)

    def fit(
        self,
        observations: pd.DataFrame,
        *,
        train_fraction: float = 1.0,
        frequency: str | None = None,
        progress: bool = True,
    ) -> ModelSet:
        """Fit one detector per series on the first ``train_fraction`` of it."""
        if not 0.0 < train_fraction <= 1.0:
            raise ValueError(f"`train_fraction` must be in (0, 1], got {train_fraction}")
        started = time.perf_counter()
        self.value_columns_ = value_columns(list(observations.columns))
        self.members_: dict[str, SeriesModel] = {}
        step = pd.Timedelta(frequency) if frequency else None
        groups = observations.groupby("series_id", sort=False)
        for series_id, frame in tqdm(
            groups,
            total=groups.ngroups,
            desc=f"train {self.detector}",
            disable=None if progress else True,
        ):
            prepared = _prepare(frame, step, self.fill_method)
            n_train = int(len(prepared) * train_fraction)
            train = prepared.iloc[:n_train]
            detector = make_detector(self.detector, **self.params)
            if n_train < detector.min_samples():
                raise DataError(
                    f"series `{series_id}`: {n_train} training points but detector "
                    f"`{self.detector}` with these parameters needs at least "
                    f"{detector.min_samples()}; supply a longer series, raise the "
                    "training fraction or shrink the window"
                )
            labels = None
            if detector.requires_labels:
                if "label" not in train.columns:
                    raise DataError(
                        f"detector `{self.detector}` is supervised and needs a `label` "
                        "column in the training data"
                    )
                labels = train["label"].to_numpy()
            try:
                detector.fit(train[self.value_columns_], labels)
            except DataError as error:
                raise DataError(f"series `{series_id}`: {error}") from None
            train_scores = detector.calibration_scores(train[self.value_columns_], labels)
            threshold = make_threshold(self.threshold).fit(train_scores)
            self.members_[str(series_id)] = SeriesModel(
                detector=detector,
                threshold=threshold,
                train_end=train["timestamp"].iloc[-1],
                n_train=n_train,
                frequency=step or infer_frequency(prepared["timestamp"]),
            )
            log.debug("fitted %s on series %s (%d points)", self.detector, series_id, n_train)
        self.fit_seconds_ = time.perf_counter() - started
        return self

    def score(self, observations: pd.DataFrame, *, progress: bool = True) -> pd.DataFrame:
        """Score every row of ``observations``; returns a contract scores table."""
        if not hasattr(self, "members_"):
            raise NotFittedError("ModelSet is not fitted yet: call fit first")
        missing = [c for c in self.value_columns_ if c not in observations.columns]
        if missing:
            raise DataError(
                f"observations lack value column `{missing[0]}` the `{self.detector}` "
                f"models were trained on ({', '.join(self.value_columns_)})"
            )
        parts = []
        groups = observations.groupby("series_id", sort=False)
        for series_id, frame in tqdm(
            groups,
            total=groups.ngroups,
            desc=f"detect {self.detector}",
            disable=None if progress else True,
        ):
            member = self.members_.get(str(series_id))
            if member is None:
                raise DataError(
                    f"series `{series_id}` has no trained `{self.detector}` model; "
                    f"trained series: {', '.join(sorted(self.members_)[:10])}"
                )
            prepared = _prepare(frame, member.frequency, self.fill_method)
            scores = member.detector.score(prepared[self.value_columns_])
            thresholds = member.threshold.thresholds(scores)
            # Back to the caller's timestamps: one score per input row.
            grid = pd.DataFrame(
                {"timestamp": prepared["timestamp"], "score": scores, "threshold": thresholds}
            )
            rows = pd.merge_asof(frame[["timestamp"]], grid, on="timestamp", direction="nearest")
            parts.append(
                pd.DataFrame(
                    {
                        "series_id": str(series_id),
                        "timestamp": frame["timestamp"].to_numpy(),
                        "detector": self.detector,
                        "score": rows["score"].to_numpy(np.float64),
                        "threshold": rows["threshold"].to_numpy(np.float64),
                        "is_anomaly": (rows["score"] > rows["threshold"]).to_numpy(),
                    }
                )
            )
        result = pd.concat(parts, ignore_index=True)
        result["timestamp"] = result["timestamp"].astype("datetime64[ns, UTC]")
        return result

    # ------------------------------------------------------------ persistence
    def save(self, directory: str | Path) -> Path:
        """Write the model set folder atomically (an older one is replaced whole)."""
        directory = Path(directory)
        series = []
        with atomic_directory(directory) as tmp:
            for index, (series_id, member) in enumerate(self.members_.items()):
                folder = f"series-{index:04d}"
                member.detector.save(tmp / folder)
                with open(tmp / folder / "threshold.pkl", "wb") as handle:
                    pickle.dump(member.threshold, handle, protocol=pickle.HIGHEST_PROTOCOL)
                series.append(
                    {
                        "series_id": series_id,
                        "folder": folder,
                        "train_end": member.train_end.isoformat(),
                        "n_train": member.n_train,
                        "frequency": str(member.frequency),
                    }
                )
            manifest = {
                "detector": self.detector,
                "params": self.params,
                "threshold": self.threshold,
                "fill_method": self.fill_method,
                "value_columns": self.value_columns_,
                "fit_seconds": round(self.fit_seconds_, 3),
                "anomalia_version": __version__,
                "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "series": series,
            }
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> ModelSet:
        """Load a model set written by :meth:`save`."""
        directory = Path(directory)
        manifest_file = directory / "manifest.json"
        if not manifest_file.is_file():
            raise DataError(
                f"{directory}: not a trained model set (no manifest.json); "
                "train one with `anomalia train`"
            )
        manifest = json.loads(manifest_file.read_text())
        model_set = cls(
            manifest["detector"],
            manifest["params"],
            manifest["threshold"],
            manifest["fill_method"],
        )
        model_set.value_columns_ = manifest["value_columns"]
        model_set.fit_seconds_ = manifest["fit_seconds"]
        model_set.members_ = {}
        for entry in manifest["series"]:
            folder = directory / entry["folder"]
            with open(folder / "threshold.pkl", "rb") as handle:
                threshold = pickle.load(handle)
            model_set.members_[entry["series_id"]] = SeriesModel(
                detector=BaseDetector.load(folder),
                threshold=threshold,
                train_end=pd.Timestamp(entry["train_end"]),
                n_train=entry["n_train"],
                frequency=pd.Timedelta(entry["frequency"]),
            )
        return model_set

    def train_ends(self) -> dict[str, pd.Timestamp]:
        """Last training timestamp per series (evaluation excludes up to it)."""
        return {series_id: m.train_end for series_id, m in self.members_.items()}
