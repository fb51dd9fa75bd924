"""Benchmark of the Dask engine: ``python -m anomalia.distributed.bench``.

Generates a synthetic corpus as a parquet dataset (``--series`` series of
``--points`` points, ``--files`` files of whole series) under ``--out``
(git-ignored ``results/`` by default), then times, for the local engine and a
LocalCluster of each ``--workers`` count:

- **train** on the first ``--train-series`` series (the local engine reads
  them into one table and fits, as ``anomalia train`` does);
- **detect** on every series. The local engine scores the corpus file by file
  in one process (all of it in one table would not fit this machine's memory);
  the Dask engine runs one task per file. The model set detect uses is fitted
  once on the whole corpus by the largest cluster (that train time is
  reported too).

Peak memory is the largest resident size sampled (every 0.5 s) of each
worker process (the local engine: of its one process). CPU contention is
measured, since the machine may be shared: the load average during each run
and the CPU seconds the workers got per wall second ("cores used").
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from anomalia.atomic import atomic_file
from anomalia.distributed.partitions import dataset_files, from_dataset, read_files

CORPUS_FILE = "_corpus.json"


@dataclass
class Timing:
    """One measured run."""

    stage: str
    engine: str
    workers: int
    series: int
    points: int
    wall_seconds: float
    peak_mb_per_worker: float
    load_average: float
    cores_used: float


def generate(folder: Path, n_series: int, n_points: int, n_files: int, seed: int = 0) -> None:
    """Write the corpus (skipped when ``folder`` already holds this one)."""
    spec = {"series": n_series, "points": n_points, "files": n_files, "seed": seed}
    marker = folder / CORPUS_FILE
    if marker.is_file() and json.loads(marker.read_text()) == spec:
        return
    folder.mkdir(parents=True, exist_ok=True)
    for path in dataset_files(folder):
        path.unlink()
    rng = np.random.default_rng(seed)
    per_file = -(-n_series // n_files)
    stamps = pd.date_range("2024-01-01", periods=n_points, freq="1min", tz="UTC").as_unit("ns")
    time_axis = np.arange(n_points)
    for index, first in enumerate(range(0, n_series, per_file)):
        count = min(per_file, n_series - first)
        phase = rng.uniform(0, 2 * np.pi, size=(count, 1))
        values = np.sin(2 * np.pi * time_axis / 1440 + phase)
        values += 0.2 * rng.normal(size=(count, n_points))
        spikes = rng.integers(n_points // 2, n_points, size=count)
        values[np.arange(count), spikes] += 5.0
        names = np.repeat([f"s{first + k:06d}" for k in range(count)], n_points)
        table = pa.table(
            {
                "series_id": names,
                "timestamp": pa.array(np.tile(stamps.asi8, count), pa.timestamp("ns", "UTC")),
                "value": values.ravel(),
            }
        )
        with atomic_file(folder / f"part-{index:05d}.parquet") as tmp:
            pq.write_table(table, tmp)
    marker.write_text(json.dumps(spec))


class _Sampler:
    """Peak RSS of the cluster's workers and the load average, sampled in a thread."""

    def __init__(self, client) -> None:
        self.client, self.peak, self.loads = client, {}, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.loads.append(os.getloadavg()[0])
            if self.client is not None:
                try:
                    for address, rss in self.client.run(_rss).items():
                        self.peak[address] = max(self.peak.get(address, 0), rss)
                except Exception:  # a worker restarting; the next sample counts
                    pass
            self._stop.wait(0.5)

    def __enter__(self) -> _Sampler:
        self._cpu = _cpu_seconds(self.client)
        self._started = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self._started
        self._stop.set()
        self._thread.join()
        self.cores = (_cpu_seconds(self.client) - self._cpu) / self.wall

    def figures(self) -> tuple[float, float, float, float]:
        """Wall seconds, peak MB of the largest worker, mean load average, cores used."""
        load = float(np.mean(self.loads)) if self.loads else os.getloadavg()[0]
        return self.wall, max(self.peak.values(), default=0) / 2**20, load, self.cores


def _warm_up() -> None:
    """Import what the tasks use, so the first timed task does not pay for it."""
    import anomalia.distributed.detect  # noqa: F401
    import anomalia.distributed.train  # noqa: F401


def _rss() -> int:
    import psutil

    return psutil.Process().memory_info().rss


def _cpu_seconds(client) -> float:
    def used() -> float:
        import psutil

        times = psutil.Process().cpu_times()
        return times.user + times.system

    if client is None:
        return 0.0
    return sum(client.run(used).values())


def _local_train(files: list[str], root: str, models: str, detector: str) -> tuple[float, float]:
    from anomalia.modelset import ModelSet

    started = time.perf_counter()
    frame = read_files([Path(f) for f in files], Path(root))
    ModelSet(detector).fit(frame, progress=False).save(models)
    wall = time.perf_counter() - started
    return wall, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _local_detect(files: list[str], root: str, models: str, out: str) -> tuple[float, float]:
    from anomalia.distributed.partitions import write_part
    from anomalia.modelset import ModelSet

    started = time.perf_counter()
    model_set = ModelSet.load(models)
    for index, file in enumerate(files):
        frame = read_files([Path(file)], Path(root))
        write_part(model_set.score(frame, progress=False), Path(out), index)
    wall = time.perf_counter() - started
    return wall, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _in_child(function, *args) -> tuple[float, float, float, float]:
    """Run ``function`` in a fresh process: (wall, peak MB, load average, cores used)."""
    before = os.times()
    loads: list[float] = []
    with ProcessPoolExecutor(1) as pool:
        future = pool.submit(function, *args)
        while not future.done():
            loads.append(os.getloadavg()[0])
            time.sleep(0.5)
        wall, peak = future.result()
    after = os.times()
    cores = (after.children_user + after.children_system - before.children_user
             - before.children_system) / wall  # fmt: skip
    return wall, peak, float(np.mean(loads)) if loads else os.getloadavg()[0], cores


def run(args: argparse.Namespace) -> list[Timing]:
    """Generate the corpus and time every engine; returns the timings."""
    from anomalia.distributed.cluster import open_client
    from anomalia.distributed.detect import detect_on_cluster
    from anomalia.distributed.train import fit_on_cluster
    from anomalia.modelset import ModelSet

    out = Path(args.out)
    corpus = out / f"corpus-{args.series}x{args.points}"
    generate(corpus, args.series, args.points, args.files)
    files = dataset_files(corpus)
    per_file = -(-args.series // args.files)
    train_files = files[: max(1, args.train_series // per_file)]
    n_train = min(args.series, len(train_files) * per_file)
    detect_files = files[: args.detect_files] if args.detect_files else files
    n_detect = min(args.series, len(detect_files) * per_file)
    timings: list[Timing] = []
    models = out / "models"

    def record(stage, engine, workers, series, wall, peak, load, cores) -> None:
        timings.append(
            Timing(
                stage,
                engine,
                workers,
                series,
                args.points,
                round(wall, 2),
                round(peak, 1),
                round(load, 2),
                round(cores, 2),
            )  # fmt: skip
        )
        print(json.dumps(asdict(timings[-1])), flush=True)

    counts = sorted(args.workers)
    # Most wanted first (the run may be cut short on a busy machine): the model set
    # every detect uses, fitted once by the largest cluster; detect per cluster size,
    # largest first; the local engine; then train on the subset.
    for workers in reversed(counts):
        with open_client(None, workers) as client:
            client.wait_for_workers(workers)
            client.run(_warm_up)
            reuse = args.reuse_models and (models / "all" / "manifest.json").is_file()
            if workers == counts[-1] and not reuse:
                with _Sampler(client) as sampler:
                    fitted = fit_on_cluster(client, ModelSet(args.detector), from_dataset(corpus))
                    fitted.save(models / "all")
                record("train", "dask", workers, args.series, *sampler.figures())
            with _Sampler(client) as sampler:
                partitions = from_dataset(corpus)[: len(detect_files)]
                detect_on_cluster(client, models / "all", partitions, out / "scores-dask")
            record("detect", "dask", workers, n_detect, *sampler.figures())
    if not args.skip_local:
        scored = [str(f) for f in detect_files]
        figures = _in_child(
            _local_detect, scored, str(corpus), str(models / "all"), str(out / "scores-local")
        )
        record("detect", "local", 1, n_detect, *figures)
    if not args.skip_local and args.train_series:
        strings = [str(f) for f in train_files]
        figures = _in_child(
            _local_train, strings, str(corpus), str(models / "local"), args.detector
        )
        record("train", "local", 1, n_train, *figures)
    for workers in counts if args.train_series else []:
        with open_client(None, workers) as client:
            client.wait_for_workers(workers)
            client.run(_warm_up)
            with _Sampler(client) as sampler:
                subset = from_dataset(corpus)[: len(train_files)]
                fit_on_cluster(client, ModelSet(args.detector), subset)
            record("train", "dask", workers, n_train, *sampler.figures())
    with atomic_file(out / "bench.json") as tmp:
        tmp.write_text(json.dumps([asdict(t) for t in timings], indent=2))
    return timings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m anomalia.distributed.bench")
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=100, help="files (= detect tasks)")
    parser.add_argument(
        "--train-series", type=int, default=1_000, help="train timed on these (0: not timed)"
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--detector", default="zscore")
    parser.add_argument("--out", default="results/dask-bench")
    parser.add_argument("--skip-local", action="store_true")
    parser.add_argument(
        "--detect-files", type=int, help="detect on the first N files only (default: all)"
    )
    parser.add_argument(
        "--reuse-models", action="store_true", help="keep the model set of an earlier run"
    )
    run(parser.parse_args(argv))


if __name__ == "__main__":
    main()
