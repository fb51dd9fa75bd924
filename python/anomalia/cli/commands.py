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

from anomalia.cli.engine import dask_engine
from anomalia.cli.tracking import model_root, track_training, tracking_on
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
        detail = " ".join(str(error).split())
        raise ConfigError(f"{file}: not valid YAML or JSON ({detail})") from None
    if not isinstance(loaded, dict):
        raise ConfigError(f"{file}: expected a mapping of parameter names to values")
    return loaded


def generate(args: argparse.Namespace) -> None:
    """``anomalia generate``: labelled synthetic observations and their events."""
    from anomalia.atomic import atomic_file
    from anomalia.cli.inputs import check_output
    from anomalia.contract import write_observations
    from anomalia.synthetic import generate as make_data

    config = cli_config(args)
    paths = config.paths
    out = Path(args.out or paths.data)
    events = Path(args.events or paths.events)
    check_output(out)
    check_output(events, "--events")
    synthetic = config.synthetic
    data = make_data(
        n_series=args.n_series or synthetic.n_series,
        length=args.length or synthetic.length,
        freq=args.freq or synthetic.freq,
        seed=synthetic.seed if args.seed is None else args.seed,
    )
    write_observations(data.observations, out)
    with atomic_file(events) as tmp:
        if events.suffix.lower() == ".csv":
            data.events.to_csv(tmp, index=False)
        else:
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
    """``anomalia ingest``: CSV/parquet/NAB files into one contract table."""
    from anomalia.cli.inputs import check_output, read_data
    from anomalia.contract import write_observations
    from anomalia.preprocess.resample import regularise

    check_output(args.out)
    frame = read_data(args, args.input, args.input[0], file_format=args.format, contract=False)
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
        ", ".join(args.input),
        args.out,
    )


def _train_specs(args: argparse.Namespace, config: AnomaliaConfig) -> list[tuple[str, dict, dict]]:
    """(detector, parameters, threshold spec) per detector to train, all checked."""
    from anomalia.detectors.params import (
        check_detector_name,
        check_detector_params,
        check_threshold_spec,
    )

    names = args.detector or config.train.detectors
    for name in names:
        check_detector_name(name)
    extra: dict[str, Any] = dict(_parse_param(p) for p in args.param)
    if args.params:
        extra.update(_load_params_file(args.params))
    if extra and len(names) != 1:
        raise ConfigError("--param/--params apply to one detector: pass exactly one --detector")
    threshold = dict(config.threshold)
    if args.threshold:
        threshold = {"method": args.threshold}
    contamination = args.contamination
    if contamination is None and "contamination" in extra:
        # The threshold's setting, not the detector's (R's tuners write it beside the others).
        contamination = extra.pop("contamination")
    if contamination is not None:
        threshold["contamination"] = contamination
    # Threshold flags on the command line win over a detector's own threshold in the config.
    flagged = args.threshold or contamination is not None
    specs = []
    for name in names:
        params = {**config.train.params.get(name, {}), **extra}
        spec = threshold if flagged else config.train.thresholds.get(name, threshold)
        check_detector_params(name, params)
        check_threshold_spec(spec)
        specs.append((name, params, spec))
    return specs


def train(args: argparse.Namespace) -> None:
    """``anomalia train``: fit each chosen detector on every series and save it.

    Every parameter is checked before data is read. Each detector's model set
    is saved as soon as it has fitted; one that fails is reported and the
    others are kept, and the command then exits non-zero.
    """
    config = cli_config(args)
    specs = _train_specs(args, config)
    tracked = tracking_on(args)  # decided (and --register checked) before any work
    fraction = config.train.train_fraction if args.train_fraction is None else args.train_fraction
    if not 0.0 < fraction <= 1.0:
        raise ConfigError(f"--train-fraction must be a number in (0, 1], got {fraction:g}")

    from anomalia.cli.fitting import fit_each, raise_failures
    from anomalia.cli.inputs import expand, read_data
    from anomalia.detectors.registry import get_detector_class
    from anomalia.diagnostics import check_training_labels
    from anomalia.modelset import ModelSet

    new_series = None
    if args.fleet is not None or args.auto_fit is not None:
        method = "fleet" if args.fleet is not None else "auto_fit"
        points = args.fleet if args.fleet is not None else args.auto_fit
        new_series = {"method": method, "points": points}
    root = Path(args.models or config.paths.models)
    if dask_engine(args):
        from anomalia.distributed import commands as on_cluster

        if tracked:
            if args.register:
                raise ConfigError("--register is not supported with --engine dask yet")
            log.info("runs trained with --engine dask are not tracked in MLflow")
        on_cluster.train(args, config, specs, fraction, new_series, root)
        return
    files = expand(list(args.data or [config.paths.data]))
    observations = read_data(args, files, config.paths.data)
    for name, _params, _spec in specs:
        if get_detector_class(name).requires_labels:
            check_training_labels(observations, name, fraction)

    def fit(model_set: ModelSet) -> None:
        model_set.fit(
            observations,
            train_fraction=fraction,
            frequency=config.data.frequency,
            progress=not args.quiet,
        )

    fitted, failed = fit_each(
        specs, fit, root, fill_method=config.data.fill_method, new_series=new_series,
        debug=args.debug,
    )  # fmt: skip
    for model_set in fitted:
        _log_explanations(model_set)
    if tracked and fitted:
        folders = [root / model_set.detector for model_set in fitted]
        track_training(args, config, fitted, folders, observations, files, fraction)
    raise_failures(failed, len(specs), root)


def _log_explanations(model_set: Any) -> None:
    """One line per series saying what the detector chose and why (``auto``)."""
    explained = model_set.explanations()
    if explained is None:
        return
    for row in explained.to_dict("records"):
        series_id = row.pop("series_id")
        reasons = "; ".join(
            f"{field} {value:.3f}" if isinstance(value, float) else f"{field} {value}"
            for field, value in row.items()
        )
        log.info("%s on series %s: %s", model_set.detector, series_id, reasons)


def _trained(root: Path, names: list[str] | None) -> list[str]:
    if names:
        return names
    # Hidden folders are leftovers of interrupted saves (anomalia.atomic), never models.
    found = sorted(
        p.parent.name for p in root.glob("*/manifest.json") if not p.parent.name.startswith(".")
    )
    if not found:
        raise ConfigError(f"{root}: no trained models; run `anomalia train` first")
    return found


def _load_model_set(folder: Path) -> Any:
    """A saved model set; a damaged one is named with what to do."""
    import json

    from anomalia.exceptions import DataError
    from anomalia.modelset import ModelSet

    try:
        return ModelSet.load(folder)
    except (json.JSONDecodeError, UnicodeDecodeError, EOFError) as error:
        raise DataError(
            f"{folder}: a file of this saved model set is damaged ({error}); train it again "
            f"with `anomalia train --detector {folder.name}`"
        ) from None
    except (FileNotFoundError, KeyError) as error:
        raise DataError(
            f"{folder}: this saved model set is incomplete (missing {error}); train it again "
            f"with `anomalia train --detector {folder.name}`"
        ) from None


def detect(args: argparse.Namespace) -> None:
    """``anomalia detect``: score observations with saved model sets."""
    import pandas as pd

    from anomalia.cli.budget import budget_spec
    from anomalia.cli.inputs import check_output, expand, read_data
    from anomalia.contract import write_scores
    from anomalia.detectors.params import check_threshold_spec
    from anomalia.timings import COLUMNS as TIMING_COLUMNS
    from anomalia.timings import timings_path, write_timings

    config = cli_config(args)
    budget = budget_spec(args)
    if budget:
        check_threshold_spec(budget)
    if dask_engine(args):
        from anomalia.distributed import commands as on_cluster

        on_cluster.scores_folder(args, config)  # checked before any work
        with model_root(args, config.paths.models) as root:
            on_cluster.detect(args, config, root, _trained(root, args.detector), budget)
        return
    out = Path(args.out or config.paths.scores)
    check_output(out)
    files = expand(list(args.data or [config.paths.data]))
    # Each file is scored on its own; the first is read before models are fetched.
    observations = read_data(args, files[:1], config.paths.data)
    parts, timings = [], []
    with model_root(args, config.paths.models) as root:
        model_sets = {name: _load_model_set(root / name) for name in _trained(root, args.detector)}
    if budget:
        for model_set in model_sets.values():
            model_set.rethreshold(budget)
    for index, file in enumerate(files):
        if index:
            observations = read_data(args, [file], config.paths.data)
        for name, model_set in model_sets.items():
            started = time.perf_counter()
            scores = model_set.score(observations, progress=not args.quiet)
            seconds = time.perf_counter() - started
            log.info(
                "%s: %d points of %s scored, %d flagged in %.1f s",
                name,
                len(scores),
                file,
                int(scores["is_anomaly"].sum()),
                seconds,
            )
            if not scores["is_anomaly"].any():
                log.warning(
                    "%s flagged no point of %d in %s; lower its threshold (anomalia train "
                    "--threshold ..., or --alerts-per-day here) if anomalies were expected",
                    name,
                    len(scores),
                    file,
                )
            parts.append(scores)
            timings.append((name, model_set.fit_seconds_, seconds, len(scores)))
    scores = pd.concat(parts, ignore_index=True)
    if len(files) > 1:  # each detector's rows of a series together, in time order
        scores = scores.sort_values(["detector", "series_id", "timestamp"], ignore_index=True)
    write_scores(scores, out)
    # One row per detector, however many files --data named.
    table = pd.DataFrame(timings, columns=TIMING_COLUMNS).groupby("detector", sort=False)
    table = table.agg(fit_seconds=("fit_seconds", "first"), score_seconds=("score_seconds", "sum"),
                      n_points=("n_points", "sum")).reset_index()  # fmt: skip
    # Second, naming the scores it belongs to: see anomalia.timings.
    write_timings(table, timings_path(out), out)
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
    from anomalia.cli.inputs import check_output, read_data
    from anomalia.cli.scoreboard import write_evaluation_report
    from anomalia.contract import read_scores
    from anomalia.evaluation import evaluate_scores

    config = cli_config(args)
    out = Path(args.out or config.paths.metrics)
    check_output(out)
    observations = read_data(args, args.data, config.paths.data)
    scores_path = Path(args.scores or config.paths.scores)
    scores = read_scores(scores_path)
    train_ends = _train_ends(args.models, scores)
    metrics = evaluate_scores(observations, scores, train_ends)
    with atomic_file(out) as tmp:
        if out.suffix.lower() == ".csv":
            metrics.to_csv(tmp, index=False, float_format="%.6g")
        else:
            metrics.to_parquet(tmp, index=False)
    log.info("wrote metrics to %s", out)
    write_evaluation_report(args, metrics, scores, scores_path, train_ends)
    print(metrics.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


def _per_detector(models: str | None, scores: Any, method: str, table: Any) -> Any:
    """``table(model_set)`` of each saved detector that scored and has ``method``, or None.

    The detectors' frames are stacked with a ``detector`` column; detectors
    without the method, without a saved model set or whose table is None are
    left out.
    """
    import pandas as pd

    from anomalia.detectors.registry import DETECTORS, get_detector_class

    if not models:
        return None
    frames = []
    for name in sorted(scores["detector"].unique()):
        folder = Path(models) / name
        if name not in DETECTORS or not (folder / "manifest.json").is_file():
            continue
        if not hasattr(get_detector_class(name), method):
            continue
        found = table(_load_model_set(folder))
        if found is not None:
            frames.append(found.assign(detector=name))
    return pd.concat(frames, ignore_index=True) if frames else None


def report(args: argparse.Namespace) -> None:
    """``anomalia report``: the HTML report with plots."""
    import pandas as pd

    from anomalia.cli.inputs import read_data
    from anomalia.contract import read_scores
    from anomalia.exceptions import DataError
    from anomalia.report import write_report

    config = cli_config(args)
    observations = read_data(args, args.data, config.paths.data)
    scores = read_scores(Path(args.scores or config.paths.scores))
    metrics_path = Path(args.metrics or config.paths.metrics)
    if not metrics_path.is_file():
        raise DataError(f"{metrics_path}: no such file; run `anomalia evaluate` first")
    try:
        metrics = pd.read_csv(metrics_path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DataError(f"{metrics_path}: not a readable metrics CSV ({error})") from None
    events = None
    events_path = Path(args.events) if args.events else config.paths.events
    if args.events and not events_path.is_file():
        raise DataError(f"{events_path}: no such events file")
    if events_path.is_file():
        try:
            if events_path.suffix.lower() == ".csv":
                events = pd.read_csv(events_path)
            else:
                events = pd.read_parquet(events_path)
        except Exception as error:  # pandas and pyarrow raise several unrelated types
            raise DataError(f"{events_path}: not a readable events table ({error})") from None
    out = Path(args.out or config.paths.report)
    index = write_report(
        out,
        observations,
        scores,
        metrics,
        events,
        max_series=args.max_series,
        train_ends=_train_ends(args.models, scores),
        # Per-column contributions of joint detectors (pca), and what `auto` chose and why.
        contributions=_per_detector(
            args.models, scores, "contributions", lambda found: found.contributions(observations)
        ),
        explanations=_per_detector(
            args.models, scores, "explain", lambda found: found.explanations()
        ),
    )
    log.info("wrote report to %s", index)


def list_detectors(args: argparse.Namespace) -> None:
    """``anomalia detectors``: registered names and what they need, or one's parameters."""
    from anomalia.detectors.params import parameter_table
    from anomalia.detectors.registry import available_detectors, get_detector_class

    if args.params:
        rows = [("parameter", "default", "allowed"), *parameter_table(args.params)]
        width = [max(len(row[i]) for row in rows) for i in range(2)]
        for parameter, default, allowed in rows:
            print(f"{parameter:<{width[0]}}  {default:<{width[1]}}  {allowed}")
        return
    for name in available_detectors():
        detector_cls = get_detector_class(name)
        summary = (detector_cls.__doc__ or "").strip().splitlines()[0]
        kind = "supervised" if detector_cls.requires_labels else "unsupervised"
        print(f"{name:<15} {kind:<13} {summary}")
