"""Fitted detectors for every series of a dataset, with thresholds, saved as one folder.

A :class:`ModelSet` is what ``anomalia train`` writes and ``anomalia detect``
and the service load. Each series is prepared (regular grid, missing values
filled) and its first ``train_fraction`` is the training part.

- Unsupervised detectors are fitted per series, on that series alone.
- Supervised detectors learn what anomalies look like from labels, and a
  single series rarely holds enough labelled anomalies (or any): they are
  fitted once on the training parts of all series pooled, each series first
  robust-scaled by its own training median and spread so that the series are
  comparable. The pooled rows are concatenated, so the first window of each
  series sees the previous series' tail in its features; with windows short
  against the series this touches a few rows at each seam.

Each series gets its own threshold, fitted on the detector's calibration
scores of its training part (pooled: of the pooled training rows).

Layout of a saved model set::

    <dir>/manifest.json          detector, params, threshold spec, series index
    <dir>/series-0000/           BaseDetector.save() folder (per-series fits)
                                 + threshold.json/.npz (+ scaler.json when pooled)
                                 + calibration.npy (scores the threshold was fitted on)
    <dir>/pooled/                BaseDetector.save() folder (pooled fits)
    <dir>/reference.json         training distribution per series and column (drift checks)
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Collection
from dataclasses import dataclass, field
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
from anomalia.detectors.registry import get_detector_class, make_detector
from anomalia.drift import ColumnReference, summarise
from anomalia.engine.fleet import advance_series
from anomalia.exceptions import ConfigError, DataError, NotFittedError
from anomalia.persist import (
    FORMAT_VERSION,
    check_format_version,
    load_state,
    refuse_pickles,
    save_state,
)
from anomalia.persist.thresholds import load_threshold, save_threshold
from anomalia.preprocess.impute import fill_missing
from anomalia.preprocess.resample import infer_frequency, regularise
from anomalia.preprocess.scaling import Scaler, make_scaler
from anomalia.thresholds import make_threshold
from anomalia.thresholds.budget import with_interval

log = logging.getLogger(__name__)

POOLED_FOLDER = "pooled"
REFERENCE_FILE = "reference.json"
CALIBRATION_FILE = "calibration.npy"
SCALER = "scaler"


@dataclass
class SeriesModel:
    """The fitted pieces for one series."""

    detector: BaseDetector
    threshold: Any
    train_end: pd.Timestamp
    n_train: int
    frequency: pd.Timedelta
    scaler: Scaler | None = None
    #: Time-ordered calibration scores of the training part; thresholds are refitted on them.
    calibration: np.ndarray | None = None
    #: For a model fitted on an unseen series' first rows: their digest.
    rows_digest: bytes | None = None
    # (ids of detector, threshold, scaler, fingerprint): a stream asks for it at every step.
    _fingerprint: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def fingerprint(self) -> str:
        """Fingerprint of the fitted detector, threshold and scaler: what a stream state is for.

        Computed once per combination of the three objects (assigning another
        threshold, as :meth:`ModelSet.rethreshold` does, computes it again).
        """
        parts = (id(self.detector), id(self.threshold), id(self.scaler))
        if self._fingerprint is None or self._fingerprint[:3] != parts:
            self._fingerprint = (*parts, self._compute_fingerprint())
        return self._fingerprint[3]

    def _compute_fingerprint(self) -> str:
        digest = hashlib.sha256()
        detector = self.detector
        digest.update(json.dumps([detector.name, detector.get_params()], default=str).encode())
        digest.update(detector.train_fingerprint_.encode())
        threshold = self.threshold
        digest.update(json.dumps([threshold.name, threshold.get_params()], default=str).encode())
        for key, value in sorted(threshold.initial_state().items()):
            digest.update(key.encode())
            digest.update(np.asarray(value, dtype=np.float64).tobytes())
        if self.scaler is not None:
            digest.update(np.asarray(self.scaler.center_, dtype=np.float64).tobytes())
            digest.update(np.asarray(self.scaler.scale_, dtype=np.float64).tobytes())
        return digest.hexdigest()[:16]


@dataclass
class _Prepared:
    series_id: str
    frame: pd.DataFrame
    n_train: int

    @property
    def train(self) -> pd.DataFrame:
        return self.frame.iloc[: self.n_train]


def _prepare(frame: pd.DataFrame, frequency: pd.Timedelta | None, fill: str) -> pd.DataFrame:
    regular, _gaps = regularise(frame, freq=frequency)
    return fill_missing(regular, method=fill)


def _labels(train: pd.DataFrame, detector: str) -> np.ndarray:
    if "label" not in train.columns:
        raise DataError(
            f"detector `{detector}` is supervised and needs a `label` column in the training data"
        )
    return train["label"].to_numpy()


class ModelSet:
    """Detectors of one kind for every series of a dataset, trained and applied together.

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
    new_series : dict, optional
        How a series the set was not trained on is scored (see
        :mod:`anomalia.engine.fleet`): ``{"method": "fleet", "points": N}``
        fits one detector on all series pooled, each robust-scaled, and scales
        an unseen series by its first ``N`` points; ``{"method": "auto_fit",
        "points": N}`` fits an unseen series its own model on its first ``N``
        points. None (default): an unseen series is an error.

    Attributes
    ----------
    members_ : dict of str to SeriesModel
        Fitted detector, threshold (and scaler, when pooled) per series id.
    pooled_ : bool
        Whether one detector was fitted on all series (supervised detectors).
    value_columns_ : list of str
        Value columns the detectors were fitted on.
    fit_seconds_ : float
        Wall time of :meth:`fit`.
    reference_ : dict of str to dict of str to ColumnReference
        Training distribution per series and value column, for drift checks
        (empty for model sets saved before it was recorded).
    """

    def __init__(
        self,
        detector: str,
        params: dict[str, Any] | None = None,
        threshold: dict[str, Any] | None = None,
        fill_method: str = "linear",
        new_series: dict[str, Any] | None = None,
    ):
        self.detector = detector
        self.params = dict(params or {})
        self.threshold = dict(threshold or {"method": "quantile", "contamination": 0.01})
        self.fill_method = fill_method
        self.new_series = None if new_series is None else dict(new_series)
        prototype = make_detector(detector, **self.params)  # fail early on bad names or params
        make_threshold(self.threshold)
        if self.new_series is not None:
            _check_new_series(self.new_series, prototype)
        self._new_members: dict[str, SeriesModel] = {}

    def fit(
        self,
        observations: pd.DataFrame,
        *,
        train_fraction: float = 1.0,
        frequency: str | None = None,
        progress: bool = True,
    ) -> ModelSet:
        """Fit on the first ``train_fraction`` of every series (see the module docstring)."""
        if not 0.0 < train_fraction <= 1.0:
            raise ValueError(f"`train_fraction` must be in (0, 1], got {train_fraction}")
        started = time.perf_counter()
        self.value_columns_ = value_columns(list(observations.columns))
        step = pd.Timedelta(frequency) if frequency else None
        groups = observations.groupby("series_id", sort=False)
        prepared = []
        for series_id, frame in tqdm(
            groups,
            total=groups.ngroups,
            desc=f"train {self.detector}",
            disable=None if progress else True,
        ):
            regular = _prepare(frame, step, self.fill_method)
            prepared.append(_Prepared(str(series_id), regular, int(len(regular) * train_fraction)))
        fleet = self.new_series is not None and self.new_series["method"] == "fleet"
        self.pooled_ = get_detector_class(self.detector).requires_labels or fleet
        fit = self._fit_pooled if self.pooled_ else self._fit_each
        self.members_ = fit(prepared, step)
        self.reference_ = {p.series_id: summarise(p.train, self.value_columns_) for p in prepared}
        self.fit_seconds_ = time.perf_counter() - started
        return self

    def _check_length(self, n_train: int, detector: BaseDetector, where: str) -> None:
        if n_train < detector.min_samples():
            raise DataError(
                f"{where}: {n_train} training points but detector `{self.detector}` with "
                f"these parameters needs at least {detector.min_samples()}; supply a longer "
                "series, raise the training fraction or shrink the window"
            )

    def _member(self, part: _Prepared, step: pd.Timedelta | None, **fitted: Any) -> SeriesModel:
        return SeriesModel(
            train_end=part.train["timestamp"].iloc[-1],
            n_train=part.n_train,
            frequency=_frequency(part, step),
            **fitted,
        )

    def _fit_each(
        self, prepared: list[_Prepared], step: pd.Timedelta | None
    ) -> dict[str, SeriesModel]:
        members = {}
        for part in prepared:
            detector = make_detector(self.detector, **self.params)
            self._check_length(part.n_train, detector, f"series `{part.series_id}`")
            values = part.train[self.value_columns_]
            try:
                detector.fit(values)
            except DataError as error:
                raise DataError(f"series `{part.series_id}`: {error}") from None
            calibration = detector.calibration_scores(values)
            spec = with_interval(self.threshold, _frequency(part, step))
            threshold = make_threshold(spec).fit(calibration)
            members[part.series_id] = self._member(
                part, step, detector=detector, threshold=threshold, calibration=calibration
            )
        return members

    def _fit_pooled(
        self, prepared: list[_Prepared], step: pd.Timedelta | None
    ) -> dict[str, SeriesModel]:
        scalers = {}
        values, labels = [], []
        detector_cls = get_detector_class(self.detector)
        for part in prepared:
            train = part.train[self.value_columns_].to_numpy()
            scalers[part.series_id] = make_scaler("robust").fit(train)
            values.append(scalers[part.series_id].transform(train))
            if detector_cls.requires_labels:
                labels.append(_labels(part.train, self.detector))
        pooled_values = np.vstack(values)
        pooled_labels = np.concatenate(labels) if labels else None
        detector = make_detector(self.detector, **self.params)
        self._check_length(len(pooled_values), detector, "all series pooled")
        detector.fit(pooled_values, pooled_labels)
        calibration = detector.calibration_scores(pooled_values, pooled_labels)
        # Streaming thresholds keep state per series, so each series gets its own,
        # fitted on the pooled calibration scores (a budget with its own interval).
        members = {}
        for part in prepared:
            spec = with_interval(self.threshold, _frequency(part, step))
            members[part.series_id] = self._member(
                part,
                step,
                detector=detector,
                threshold=make_threshold(spec).fit(calibration),
                scaler=scalers[part.series_id],
                calibration=calibration,
            )
        return members

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
            prepared = self.prepare_series(str(series_id), frame)
            values = prepared[self.value_columns_].to_numpy()
            # Batch is a stream fed all at once: the engine scores the series from its start.
            answers, _ = advance_series(self, str(series_id), None, values)
            parts.append(self.score_rows(str(series_id), frame, prepared["timestamp"], answers))
        result = pd.concat(parts, ignore_index=True)
        result["timestamp"] = result["timestamp"].astype("datetime64[ns, UTC]")
        return result

    def contributions(self, observations: pd.DataFrame) -> pd.DataFrame | None:
        """Each value column's share of each row's score, or None for a detector without them.

        For detectors with a ``contributions(X)`` method (``pca``): a frame of
        ``series_id``, ``timestamp`` (the caller's rows, as :meth:`score`)
        and one column per value column, whose row sums are the raw scores.
        Series the set has no model of are left out.
        """
        members = {
            series_id: member
            for series_id, member in self.members_.items()
            if hasattr(member.detector, "contributions")
        }
        if not members:
            return None
        parts = []
        for series_id, frame in observations.groupby("series_id", sort=False):
            member = members.get(str(series_id))
            if member is None:
                continue
            prepared = _prepare(frame, member.frequency, self.fill_method)
            values = prepared[self.value_columns_].to_numpy()
            if member.scaler is not None:
                values = member.scaler.transform(values)
            shares = pd.DataFrame(
                member.detector.contributions(values), columns=self.value_columns_
            )
            shares.insert(0, "timestamp", prepared["timestamp"].to_numpy())
            rows = pd.merge_asof(frame[["timestamp"]], shares, on="timestamp", direction="nearest")
            rows.insert(0, "series_id", str(series_id))
            parts.append(rows)
        return pd.concat(parts, ignore_index=True) if parts else None

    def explanations(self) -> pd.DataFrame | None:
        """What each series' detector chose and why, or None for detectors without ``explain()``.

        One row per series: ``series_id`` and the fields of the detector's
        ``explain()`` (for ``auto``: the chosen candidate and each candidate's
        criterion value), mappings flattened to ``field: key`` columns.
        """
        rows = []
        for series_id, member in self.members_.items():
            if not hasattr(member.detector, "explain"):
                continue
            row: dict[str, Any] = {"series_id": series_id}
            for name, value in member.detector.explain().items():
                if isinstance(value, dict):
                    row.update({f"{name}: {key}": item for key, item in value.items()})
                else:
                    row[name] = value
            rows.append(row)
        return pd.DataFrame(rows) if rows else None

    def prepare_series(self, series_id: str, frame: pd.DataFrame) -> pd.DataFrame:
        """One series' rows on its regular grid, gaps filled, as :meth:`score` scores them.

        Raises
        ------
        DataError
            If the series is unseen and the model set has no ``new_series`` way.
        """
        member = self.members_.get(series_id)
        if member is None:
            self.new_series_points(series_id)  # an error unless new series are scored
            frequency = next(iter(self.members_.values())).frequency
        else:
            frequency = member.frequency
        return _prepare(frame, frequency, self.fill_method)

    def score_rows(
        self, series_id: str, frame: pd.DataFrame, grid: pd.Series, answers: Any
    ) -> pd.DataFrame:
        """Scores table of ``frame``'s rows from the engine's answers on the prepared grid."""
        table = pd.DataFrame(
            {
                "timestamp": grid.reset_index(drop=True),
                "score": answers.score,
                "threshold": answers.threshold,
                "is_anomaly": answers.is_anomaly,
                "status": answers.status,
            }
        )
        # Back to the caller's timestamps: one score per input row.
        rows = pd.merge_asof(frame[["timestamp"]], table, on="timestamp", direction="nearest")
        return pd.DataFrame(
            {
                "series_id": series_id,
                "timestamp": frame["timestamp"].array,  # to_numpy() would box each tz-aware stamp
                "detector": self.detector,
                "score": rows["score"].to_numpy(np.float64),
                "threshold": rows["threshold"].to_numpy(np.float64),
                "is_anomaly": rows["is_anomaly"].to_numpy(bool),
                "status": rows["status"].to_numpy(object),
            }
        )

    # ------------------------------------------------------------ persistence
    def save(self, directory: str | Path) -> Path:
        """Write the model set folder atomically (an older one is replaced whole)."""
        directory = Path(directory)
        series = []
        with atomic_directory(directory) as tmp:
            if self.pooled_:
                next(iter(self.members_.values())).detector.save(tmp / POOLED_FOLDER)
            for index, (series_id, member) in enumerate(self.members_.items()):
                folder = tmp / f"series-{index:04d}"
                trained_on = member.detector.train_fingerprint_
                if self.pooled_:
                    folder.mkdir()
                    save_state(
                        folder, {"scaler": member.scaler}, name=SCALER, fingerprint=trained_on
                    )
                else:
                    member.detector.save(folder)
                save_threshold(folder, member.threshold, fingerprint=trained_on)
                np.save(folder / CALIBRATION_FILE, member.calibration, allow_pickle=False)
                series.append(
                    {
                        "series_id": series_id,
                        "folder": folder.name,
                        "train_end": member.train_end.isoformat(),
                        "n_train": member.n_train,
                        "frequency": str(member.frequency),
                        "train_fingerprint": trained_on,
                    }
                )
            manifest = {
                "detector": self.detector,
                "params": self.params,
                "threshold": self.threshold,
                "fill_method": self.fill_method,
                "value_columns": self.value_columns_,
                "pooled": self.pooled_,
                "new_series": self.new_series,
                "fit_seconds": round(self.fit_seconds_, 3),
                "anomalia_version": __version__,
                "format_version": FORMAT_VERSION,
                "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "series": series,
            }
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
            reference = {
                series_id: {column: summary.to_dict() for column, summary in columns.items()}
                for series_id, columns in self.reference_.items()
            }
            (tmp / REFERENCE_FILE).write_text(json.dumps(reference))
        return directory

    @classmethod
    def load(cls, directory: str | Path, series: Collection[str] | None = None) -> ModelSet:
        """Load a model set written by :meth:`save`; nothing in it is unpickled.

        ``series`` loads only those series' models (the others of the set are
        not read): a task of the Dask engine scores its partition with them.

        Raises
        ------
        DataError
            If the folder is not a model set, holds pickles (saved by an older
            anomalia: train it again), was written in a newer file format, or
            its files belong to different training runs.
        """
        directory = Path(directory)
        manifest = _read_manifest(directory, series)
        if series is None:
            refuse_pickles(directory)
        else:  # only the folders read: a partition's load stays small in a set of 10,000
            for entry in manifest["series"]:
                refuse_pickles(_series_folder(directory, entry["folder"]))
            if manifest["pooled"]:
                refuse_pickles(directory / POOLED_FOLDER)
        check_format_version(
            manifest.get("format_version"),
            manifest.get("anomalia_version"),
            directory / "manifest.json",
        )
        model_set = cls(
            manifest["detector"],
            manifest["params"],
            manifest["threshold"],
            manifest["fill_method"],
            manifest.get("new_series"),
        )
        model_set.value_columns_ = manifest["value_columns"]
        model_set.fit_seconds_ = manifest["fit_seconds"]
        model_set.pooled_ = manifest["pooled"]
        model_set.reference_ = saved_reference(directory)
        if series is not None:
            kept = {entry["series_id"] for entry in manifest["series"]}
            model_set.reference_ = {k: v for k, v in model_set.reference_.items() if k in kept}
        shared = BaseDetector.load(directory / POOLED_FOLDER) if model_set.pooled_ else None
        model_set.members_ = {}
        for entry in manifest["series"]:
            folder = _series_folder(directory, entry["folder"])
            detector = shared or BaseDetector.load(folder)
            trained_on = detector.train_fingerprint_
            if entry.get("train_fingerprint") != trained_on:
                raise DataError(
                    f"{folder}: manifest.json says series `{entry['series_id']}` was trained "
                    f"on data with fingerprint {entry.get('train_fingerprint')}, its model on "
                    f"{trained_on}; the model set was altered or mixed from several runs: "
                    "train it again with `anomalia train`"
                )
            scaler = None
            if model_set.pooled_:
                scaler = load_state(folder, name=SCALER, fingerprint=trained_on)["scaler"]
            model_set.members_[entry["series_id"]] = SeriesModel(
                detector=detector,
                threshold=load_threshold(folder, fingerprint=trained_on),
                train_end=pd.Timestamp(entry["train_end"]),
                n_train=entry["n_train"],
                frequency=pd.Timedelta(entry["frequency"]),
                scaler=scaler,
                calibration=(
                    np.load(folder / CALIBRATION_FILE, allow_pickle=False)
                    if (folder / CALIBRATION_FILE).is_file()
                    else None
                ),
            )
        return model_set

    def rethreshold(self, threshold: dict[str, Any]) -> ModelSet:
        """Replace every series' threshold by ``threshold``, fitted on its calibration scores.

        ``anomalia detect --alerts-per-day`` uses this to apply an alert budget
        to detectors trained with another threshold, without refitting them.

        Raises
        ------
        DataError
            If the model set was saved without calibration scores (trained by
            an older anomalia); train it again.
        """
        make_threshold(threshold)  # fail early on bad names or params
        for series_id, member in self.members_.items():
            if member.calibration is None:
                raise DataError(
                    f"`{self.detector}` model of series `{series_id}` was saved without "
                    f"calibration scores ({CALIBRATION_FILE}), so its threshold cannot be "
                    "changed; train it again with `anomalia train`"
                )
            spec = with_interval(threshold, member.frequency)
            member.threshold = make_threshold(spec).fit(member.calibration)
        self.threshold = dict(threshold)
        return self

    # ------------------------------------------------------------ new series
    def new_series_points(self, series_id: str) -> int:
        """Points an unseen series warms up on; DataError without a ``new_series`` way."""
        if self.new_series is None:
            raise DataError(
                f"series `{series_id}` has no trained `{self.detector}` model; "
                f"trained series: {', '.join(sorted(self.members_)[:10])}. To score new "
                "series, train with a fleet model or auto-fit (`anomalia train --fleet N` "
                "or `--auto-fit N`)"
            )
        return int(self.new_series["points"])

    def new_series_fingerprint(self) -> str:
        """Fingerprint of what an unseen series' model is built from (this model set)."""
        digest = hashlib.sha256()
        spec = [self.detector, self.params, self.threshold, self.new_series]
        digest.update(json.dumps(spec, default=str, sort_keys=True).encode())
        if self.pooled_:
            digest.update(next(iter(self.members_.values())).fingerprint.encode())
        return digest.hexdigest()[:16]

    def new_series_member(self, series_id: str, rows: np.ndarray) -> SeriesModel:
        """The model of an unseen series, fitted on its first rows (kept once fitted).

        Fitting is deterministic (a detector's ``random_state`` left at None is
        set to 0), so the same rows give the same model after a restart.
        """
        digest = hashlib.sha256(np.ascontiguousarray(rows, dtype=np.float64).tobytes()).digest()
        known = self._new_members.get(series_id)
        if known is not None and known.n_train == len(rows) and known.rows_digest == digest:
            return known
        template = next(iter(self.members_.values()))
        frequency = template.frequency
        spec = with_interval(self.threshold, frequency)
        if self.new_series["method"] == "fleet":
            member = SeriesModel(
                detector=template.detector,
                threshold=make_threshold(spec).fit(template.calibration),
                train_end=template.train_end,
                n_train=len(rows),
                frequency=frequency,
                scaler=make_scaler("robust").fit(rows),
                calibration=template.calibration,
            )
        else:
            detector = make_detector(self.detector, **self.params)
            if detector.get_params().get("random_state", 0) is None:
                detector.set_params(random_state=0)
            try:
                detector.fit(rows)
            except DataError as error:
                raise DataError(f"series `{series_id}`: auto-fit: {error}") from None
            calibration = detector.calibration_scores(rows)
            member = SeriesModel(
                detector=detector,
                threshold=make_threshold(spec).fit(calibration),
                train_end=template.train_end,
                n_train=len(rows),
                frequency=frequency,
                calibration=calibration,
            )
        member.rows_digest = digest
        self._new_members[series_id] = member
        return member

    def train_ends(self) -> dict[str, pd.Timestamp]:
        """Last training timestamp per series (evaluation excludes up to it)."""
        return {series_id: m.train_end for series_id, m in self.members_.items()}


def _check_new_series(spec: dict[str, Any], detector: BaseDetector) -> None:
    method, points = spec.get("method"), spec.get("points")
    if method not in ("fleet", "auto_fit") or set(spec) != {"method", "points"}:
        raise ConfigError(
            f"`new_series` must be {{'method': 'fleet' or 'auto_fit', 'points': N}}, got {spec!r}"
        )
    least = detector.min_samples() if method == "auto_fit" else 2
    if isinstance(points, bool) or not isinstance(points, int) or points < least:
        raise ConfigError(
            f"`new_series.points` must be an integer >= {least} for {method} with detector "
            f"`{detector.name}`, got {points!r}"
        )


def _frequency(part: _Prepared, step: pd.Timedelta | None) -> pd.Timedelta:
    return step or infer_frequency(part.frame["timestamp"])


def saved_train_ends(directory: str | Path) -> dict[str, pd.Timestamp]:
    """:meth:`ModelSet.train_ends` of a saved model set, read from its manifest alone."""
    series = _read_manifest(Path(directory))["series"]
    return {entry["series_id"]: pd.Timestamp(entry["train_end"]) for entry in series}


def _read_manifest(directory: Path, series: Collection[str] | None = None) -> dict[str, Any]:
    manifest_file = directory / "manifest.json"
    if not manifest_file.is_file():
        raise DataError(
            f"{directory}: not a trained model set (no manifest.json); "
            "train one with `anomalia train`"
        )
    try:
        manifest = json.loads(manifest_file.read_text())
    except (UnicodeDecodeError, ValueError) as error:
        raise DataError(
            f"{manifest_file}: not readable JSON ({error}); the save was damaged: "
            "train again with `anomalia train`"
        ) from None
    if series is not None and isinstance(manifest, dict) and "series" in manifest:
        wanted = set(series)
        manifest["series"] = [e for e in manifest["series"] if e.get("series_id") in wanted]
    _check_manifest_agrees(directory, manifest_file, manifest)
    return manifest


MANIFEST_KEYS = ("detector", "params", "threshold", "value_columns", "pooled", "series")


def _check_manifest_agrees(directory: Path, manifest_file: Path, manifest: Any) -> None:
    """Refuse a manifest that lacks a field or disagrees with the folders beside it."""
    where = f"{manifest_file}: the manifest and the model folders disagree"
    if not isinstance(manifest, dict):
        raise DataError(f"{manifest_file}: expected a JSON object, got {type(manifest).__name__}")
    missing = [key for key in MANIFEST_KEYS if key not in manifest]
    if missing:
        raise DataError(f"{manifest_file}: incomplete, `{missing[0]}` is missing; train again")
    folders = [POOLED_FOLDER] if manifest["pooled"] else []
    folders += [_series_folder(directory, entry.get("folder")).name for entry in manifest["series"]]
    for folder in folders:
        if not (directory / folder).is_dir():
            raise DataError(f"{where}: it lists `{folder}`, which is not there; train again")
        config_file = directory / folder / "config.json"
        if (manifest["pooled"] and folder != POOLED_FOLDER) or not config_file.is_file():
            continue
        try:
            saved = json.loads(config_file.read_text()).get("detector")
        except (OSError, UnicodeDecodeError, ValueError):
            continue  # the detector's own loader reports it, naming the file
        if saved != manifest["detector"]:
            raise DataError(
                f"{where}: `{folder}` holds a `{saved}` model, the manifest says "
                f"`{manifest['detector']}`; train again rather than mixing folders"
            )


def saved_reference(directory: str | Path) -> dict[str, dict[str, ColumnReference]]:
    """Training distribution per series and column of a saved model set ({} if not recorded)."""
    reference_file = Path(directory) / REFERENCE_FILE
    if not reference_file.is_file():
        return {}
    raw = json.loads(reference_file.read_text())
    return {
        series_id: {column: ColumnReference.from_dict(data) for column, data in columns.items()}
        for series_id, columns in raw.items()
    }


def _series_folder(directory: Path, name: object) -> Path:
    """A series folder named in the manifest: a plain name, so never outside ``directory``."""
    if not isinstance(name, str) or Path(name).name != name or name in ("", ".", ".."):
        raise DataError(f"{directory}/manifest.json: series folder {name!r} is not a plain name")
    return directory / name
