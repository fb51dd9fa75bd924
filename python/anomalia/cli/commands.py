"""Handlers of the CLI sub-commands: read the contract, call the library, write.

Heavy modules (scikit-learn, statsmodels, matplotlib) are imported inside the
handlers so that ``anomalia --help`` starts fast.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Any

import yaml

from anomalia.config import AnomaliaConfig, load_config
from anomalia.exceptions import ConfigError

log = logging.getLogger("anomalia")

DEFAULT_CONFIG = Path("configs/default.yaml")


def cli_config(args: argparse.Namespace) -> AnomaliaConfig:
    """The configuration of ``--config``, else ``configs/default.yaml`` when present."""
    if args.config:
        return load_config(args.config)
    return load_config(DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None)


def _parse_param(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ConfigError(f"--param expects KEY=VALUE, got {text!r}")
    return key.strip(), yaml.safe_load(value)


def _load_params_file(path: str) -> dict[str, Any]:
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"{file}: no such parameters file")
    try:
        loaded = yaml.safe_load(file.read_text())  # YAML is a superset of JSON
    except yaml.YAMLError as error:
        raise ConfigError(f"{file}: not valid YAML or JSON ({error})") from None
    if not isinstance(loaded, dict):
        raise ConfigError(f"{file}: expected a mapping of parameter names to values")
    return loaded


def generate(args: argparse.Namespace) -> None:
    """``anomalia generate``: labelled synthetic observations and their events."""
    from anomalia.atomic import atomic_file
    from anomalia.contract import write_observations
    from anomalia.synthetic import generate as make_data

    config = cli_config(args)
    synthetic = config.synthetic
    data = make_data(
        n_series=args.n_series or synthetic.n_series,
        length=args.length or synthetic.length,
        freq=args.freq or synthetic.freq,
        seed=synthetic.seed if args.seed is None else args.seed,
    )
    paths = config.paths
    out = Path(args.out or paths.data)
    events = Path(args.events or paths.events)
    write_observations(data.observations, out)
    with atomic_file(events) as tmp:
        data.events.to_parquet(tmp, index=False)
    log.info(
        "wrote %d points in %d series to %s (%d labelled events to %s)",
        len(data.observations),
        data.observations["series_id"].nunique(),
        out,
        int((data.events["kind"] != "missing").sum()),
        events,
    )


def ingest(args: argparse.Namespace) -> None:
    """``anomalia ingest``: a CSV/parquet/NAB file into a contract parquet file."""
    from anomalia.contract import write_observations
    from anomalia.contract.ingest import IngestOptions
    from anomalia.contract.ingest import ingest as read_any
    from anomalia.preprocess.resample import regularise

    options = IngestOptions(
        timestamp_column=args.timestamp_column,
        series_column=args.series_column,
        series_id=args.series_id,
        value_columns=tuple(args.value_columns.split(",")) if args.value_columns else None,
        label_column=args.label_column,
        timezone=args.timezone,
        sort=args.sort,
        deduplicate=args.deduplicate,
        nab_labels=Path(args.nab_labels) if args.nab_labels else None,
    )
    frame = read_any(args.input, args.format, options)
    write_observations(frame, args.out)
    _, gaps = regularise(frame)
    for series_id, rows in gaps.groupby("series_id", sort=False):
        log.info(
            "series %s: %d gap(s), %d missing points on its regular grid "
            "(filled by `data.fill_method` when training and detecting)",
            series_id,
            len(rows),
            int(rows["n_missing"].sum()),
        )
    log.info(
        "ingested %d rows, %d series from %s into %s",
        len(frame),
        frame["series_id"].nunique(),
        args.input,
        args.out,
    )


def train(args: argparse.Namespace) -> None:
    """``anomalia train``: fit each chosen detector on every series and save it."""
    from anomalia.contract import read_observations
    from anomalia.modelset import ModelSet

    config = cli_config(args)
    names = args.detector or config.train.detectors
    extra: dict[str, Any] = dict(_parse_param(p) for p in args.param)
    if args.params:
        extra.update(_load_params_file(args.params))
    if extra and len(names) != 1:
        raise ConfigError("--param/--params apply to one detector: pass exactly one --detector")
    threshold = dict(config.threshold)
    if args.threshold:
        threshold = {"method": args.threshold}
    if args.contamination is not None:
        threshold["contamination"] = args.contamination
    fraction = args.train_fraction or config.train.train_fraction
    data_path = Path(args.data or config.paths.data)
    observations = read_observations(data_path)
    root = Path(args.models or config.paths.models)
    fitted = []
    for name in names:
        params = {**config.train.params.get(name, {}), **extra}
        # Threshold flags on the command line win over a detector's own threshold in the config.
        flagged = args.threshold or args.contamination is not None
        spec = threshold if flagged else config.train.thresholds.get(name, threshold)
        new_series = None
        if args.fleet is not None or args.auto_fit is not None:
            method = "fleet" if args.fleet is not None else "auto_fit"
            points = args.fleet if args.fleet is not None else args.auto_fit
            new_series = {"method": method, "points": points}
        model_set = ModelSet(name, params, spec, config.data.fill_method, new_series)
        model_set.fit(
            observations,
            train_fraction=fraction,
            frequency=config.data.frequency,
            progress=not args.quiet,
        )
        log.info(
            "trained %s on %d series in %.1f s",
            name,
            len(model_set.members_),
            model_set.fit_seconds_,
        )
        fitted.append(model_set)
    # Save only once every detector has fitted: a failure leaves all earlier models as they were.
    for model_set in fitted:
        model_set.save(root / model_set.detector)
        log.info("saved %s -> %s", model_set.detector, root / model_set.detector)


def _trained(root: Path, names: list[str] | None) -> list[str]:
    if names:
        return names
    found = sorted(p.parent.name for p in root.glob("*/manifest.json"))
    if not found:
        raise ConfigError(f"{root}: no trained models; run `anomalia train` first")
    return found


def detect(args: argparse.Namespace) -> None:
    """``anomalia detect``: score observations with saved model sets."""
    import pandas as pd

    from anomalia.cli.budget import budget_spec
    from anomalia.contract import read_observations, write_scores
    from anomalia.modelset import ModelSet
    from anomalia.timings import COLUMNS as TIMING_COLUMNS
    from anomalia.timings import timings_path, write_timings

    config = cli_config(args)
    observations = read_observations(Path(args.data or config.paths.data))
    root = Path(args.models or config.paths.models)
    budget = budget_spec(args)
    parts, timings = [], []
    for name in _trained(root, args.detector):
        model_set = ModelSet.load(root / name)
        if budget:
            model_set.rethreshold(budget)
        started = time.perf_counter()
        scores = model_set.score(observations, progress=not args.quiet)
        seconds = time.perf_counter() - started
        log.info(
            "%s: %d points scored, %d flagged in %.1f s",
            name,
            len(scores),
            int(scores["is_anomaly"].sum()),
            seconds,
        )
        parts.append(scores)
        timings.append((name, model_set.fit_seconds_, seconds, len(scores)))
    out = Path(args.out or config.paths.scores)
    write_scores(pd.concat(parts, ignore_index=True), out)
    write_timings(pd.DataFrame(timings, columns=TIMING_COLUMNS), timings_path(out))
    log.info("wrote scores to %s", out)


def _train_ends(models: str | None, scores: Any) -> dict[str, dict[str, Any]]:
    """Last training timestamp per detector and series, from saved model sets."""
    from anomalia.modelset import saved_train_ends

    if not models:
        return {}
    root = Path(models)
    return {name: saved_train_ends(root / name) for name in sorted(scores["detector"].unique())}


def evaluate(args: argparse.Namespace) -> None:
    """``anomalia evaluate``: metrics per detector against the labels."""
    from anomalia.atomic import atomic_file
    from anomalia.cli.scoreboard import write_evaluation_report
    from anomalia.contract import read_observations, read_scores
    from anomalia.evaluation import evaluate_scores

    config = cli_config(args)
    observations = read_observations(Path(args.data or config.paths.data))
    scores_path = Path(args.scores or config.paths.scores)
    scores = read_scores(scores_path)
    train_ends = _train_ends(args.models, scores)
    metrics = evaluate_scores(observations, scores, train_ends)
    out = Path(args.out or config.paths.metrics)
    with atomic_file(out) as tmp:
        metrics.to_csv(tmp, index=False, float_format="%.6g")
    log.info("wrote metrics to %s", out)
    write_evaluation_report(args, metrics, scores, scores_path, train_ends)
    print(metrics.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


def report(args: argparse.Namespace) -> None:
    """``anomalia report``: the HTML report with plots."""
    import pandas as pd

    from anomalia.contract import read_observations, read_scores
    from anomalia.exceptions import DataError
    from anomalia.report import write_report

    config = cli_config(args)
    observations = read_observations(Path(args.data or config.paths.data))
    scores = read_scores(Path(args.scores or config.paths.scores))
    metrics_path = Path(args.metrics or config.paths.metrics)
    if not metrics_path.is_file():
        raise DataError(f"{metrics_path}: no such file; run `anomalia evaluate` first")
    metrics = pd.read_csv(metrics_path)
    events = None
    events_path = Path(args.events) if args.events else config.paths.events
    if events_path.is_file():
        events = pd.read_parquet(events_path)
    out = Path(args.out or config.paths.report)
    index = write_report(
        out,
        observations,
        scores,
        metrics,
        events,
        max_series=args.max_series,
        train_ends=_train_ends(args.models, scores),
    )
    log.info("wrote report to %s", index)


def list_detectors(args: argparse.Namespace) -> None:
    """``anomalia detectors``: registered names and what they need."""
    from anomalia.detectors.registry import available_detectors, get_detector_class

    for name in available_detectors():
        detector_cls = get_detector_class(name)
        summary = (detector_cls.__doc__ or "").strip().splitlines()[0]
        kind = "supervised" if detector_cls.requires_labels else "unsupervised"
        print(f"{name:<15} {kind:<13} {summary}")
