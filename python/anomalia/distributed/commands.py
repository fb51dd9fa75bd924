"""``anomalia train`` and ``detect`` with ``--engine dask``: read, split, run on the cluster, write.

The CLI's handlers call these once the options are checked (``anomalia.cli.commands``).
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Any

from anomalia.distributed.cluster import n_workers, open_client
from anomalia.distributed.partitions import Partition, from_dataset, from_frame, is_dataset
from anomalia.exceptions import ConfigError, DataError

log = logging.getLogger("anomalia")

#: Tasks per worker for a single input table: several, so a slow or lost one is a small share.
TASKS_PER_WORKER = 4


def partitions_of(
    args: argparse.Namespace, default: str | Path, workers: int, long_rows: int | None = None
) -> list[Partition]:
    """The input named by ``--data``: a dataset folder's files, or a table cut into series runs."""
    from anomalia.cli.inputs import read_data

    patterns = list(args.data or [default])
    wanted = getattr(args, "partitions", None)
    folders = [p for p in patterns if Path(p).is_dir()]
    if folders:
        if len(patterns) != 1 or not is_dataset(folders[0]):
            raise DataError(
                f"{folders[0]}: with --engine dask a folder is one parquet dataset, "
                "given alone as --data (files of whole series, or series_id=<id>/ folders)"
            )
        return from_dataset(folders[0], wanted, long_rows)
    observations = read_data(args, patterns, default)
    return from_frame(observations, wanted or TASKS_PER_WORKER * workers, long_rows)


def _client(args: argparse.Namespace):
    return open_client(args.scheduler, args.workers or 2)


def train(
    args: argparse.Namespace,
    config: Any,
    specs: list[tuple[str, dict, dict]],
    fraction: float,
    new_series: dict[str, Any] | None,
    root: Path,
) -> None:
    """Fit and save each detector's model set on the cluster (one failing keeps the others)."""
    from anomalia.cli.fitting import fit_each, raise_failures
    from anomalia.distributed.train import fit_on_cluster

    with _client(args) as client:
        partitions = partitions_of(args, config.paths.data, n_workers(client))
        log.info("%d partition(s) on %d worker(s)", len(partitions), n_workers(client))

        def fit(model_set: Any) -> None:
            fit_on_cluster(
                client,
                model_set,
                partitions,
                train_fraction=fraction,
                frequency=config.data.frequency,
            )

        _, failed = fit_each(
            specs, fit, root, fill_method=config.data.fill_method, new_series=new_series,
            debug=args.debug, where=" on the Dask cluster",
        )  # fmt: skip
    raise_failures(failed, len(specs), root)


def scores_folder(args: argparse.Namespace, config: Any) -> Path:
    """``--out`` as a results folder (default: paths.scores without its extension)."""
    out = Path(args.out) if args.out else Path(config.paths.scores).with_suffix("")
    if out.suffix.lower() in (".parquet", ".pq", ".csv"):
        raise ConfigError(
            f"--out {out}: with --engine dask the scores are a parquet dataset, one file per "
            "partition: name a folder (e.g. results/scores)"
        )
    if out.is_file():
        raise ConfigError(f"--out {out}: a file is in the way of the scores folder")
    return out


def detect(
    args: argparse.Namespace,
    config: Any,
    root: Path,
    names: list[str],
    budget: dict[str, Any] | None,
) -> None:
    """Score with each detector's saved model set; ``<out>/<detector>/part-NNNNN.parquet``."""
    from anomalia.distributed.detect import detect_on_cluster

    out = scores_folder(args, config)
    with _client(args) as client:
        partitions = partitions_of(args, config.paths.data, n_workers(client), args.chunk_rows)
        for name in names:
            started = time.perf_counter()
            results = detect_on_cluster(
                client,
                root / name,
                partitions,
                out / name,
                budget=budget,
                chunk_rows=args.chunk_rows,
            )
            rows = sum(result.n_rows for result in results)
            flagged = sum(result.n_flagged for result in results)
            log.info(
                "%s: %d points in %d partitions scored, %d flagged in %.1f s; wrote %s",
                name,
                rows,
                len(results),
                flagged,
                time.perf_counter() - started,
                out / name,
            )
            if not flagged:
                log.warning(
                    "%s flagged no point of %d; lower its threshold if anomalies were expected",
                    name,
                    rows,
                )
