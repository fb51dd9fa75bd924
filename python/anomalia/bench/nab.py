"""The NAB benchmark runner: every series, every detector, scored as NAB does.

:func:`run_nab` runs each detector over every series of a NAB corpus under
the streaming rules of :mod:`anomalia.bench.streaming`, in parallel across
processes, writes NAB-format result files
``<out>/<detector>/<category>/<detector>_<file>.csv`` (columns
``timestamp,value,anomaly_score,label``, one row per data row, in file order),
and scores them with :func:`anomalia.metrics.nab_score` (one threshold per
profile for the whole corpus) and the event-wise F1 at the standard profile's
threshold. The table also goes to ``<out>/summary.csv``, with the median
over series of the mean squared error of each detector's forecast or
reconstruction on the judged rows, for detectors that have one
(:meth:`~anomalia.detectors.base.BaseDetector.expected`).
"""

from __future__ import annotations

import logging
import os
import resource
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from anomalia.atomic import atomic_file
from anomalia.bench.nab_corpus import NabFile, corpus_keys, read_file, read_windows
from anomalia.bench.streaming import (
    UNIT_SCALES,
    check_streamable,
    default_detectors,
    stream_scores,
)
from anomalia.detectors.base import BaseDetector
from anomalia.detectors.params import check_choice, check_integer, check_number
from anomalia.detectors.registry import make_detector
from anomalia.exceptions import ConfigError
from anomalia.metrics.events import event_precision_recall_f1
from anomalia.metrics.expectation import expectation_mse
from anomalia.metrics.nab import NabResult, NabSeries, nab_probationary_period, nab_score

log = logging.getLogger("anomalia")

RESULT_COLUMNS = ("timestamp", "value", "anomaly_score", "label")


@dataclass(frozen=True)
class BenchRow:
    """One detector's line of the NAB table.

    Attributes
    ----------
    detector : str
    standard, reward_low_fp, reward_low_fn : float
        Normalised NAB scores of the three profiles (0 null, 100 perfect).
    event_f1 : float
        Event-wise F1 over the corpus at the standard profile's threshold.
    threshold : float
        The standard profile's corpus-wide threshold.
    wall_seconds : float
        Wall time of the whole corpus.
    peak_mb : float
        Largest peak resident memory of a worker process.
    judged_mse : float
        Median over series of the mean squared error of the detector's
        expectation on the rows after the probationary period, in units of
        each series' probationary IQR; NaN for detectors without one.
    """

    detector: str
    standard: float
    reward_low_fp: float
    reward_low_fn: float
    event_f1: float
    threshold: float
    wall_seconds: float
    peak_mb: float
    judged_mse: float = float("nan")


def load_corpus(root: str | Path) -> list[NabFile]:
    """Read every series of the NAB corpus at ``root`` with its windows."""
    windows = read_windows(root)
    return [read_file(root, key, windows.get(key, [])) for key in corpus_keys(root)]


def result_path(out: Path, detector: str, key: str) -> Path:
    """``<out>/<detector>/<category>/<detector>_<file>.csv``, as NAB names results."""
    category, file_name = key.split("/")
    return out / detector / category / f"{detector}_{file_name}"


def write_result(path: Path, series: NabFile, scores: np.ndarray) -> None:
    """Write one NAB result file atomically."""
    frame = pd.DataFrame(
        {
            "timestamp": series.timestamps,
            "value": series.values,
            "anomaly_score": scores,
            "label": series.labels,
        },
        columns=list(RESULT_COLUMNS),
    )
    with atomic_file(path) as tmp:
        frame.to_csv(tmp, index=False)


@dataclass(frozen=True)
class StreamOptions:
    """How scores are post-processed: see :func:`anomalia.bench.streaming.stream_scores`."""

    scale: str = "fixed"
    onset_window: int | float | None = None
    #: Detector parameters by detector name; defaults for names not given.
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def judged_mse(detector: BaseDetector, values: np.ndarray) -> float:
    """MSE of a fitted detector's expectation on the rows after the probationary period.

    NaN for a detector without an expectation or left unfitted (a series too short).
    """
    if not hasattr(detector, "n_features_in_"):
        return float("nan")
    expected = detector.expected(values)
    if expected is None:
        return float("nan")
    return expectation_mse(values, expected, start=nab_probationary_period(len(values)))


def _run_series(
    name: str, series: NabFile, out: Path | None, options: StreamOptions
) -> tuple[str, np.ndarray, float, float]:
    """Score one series with a fresh detector and write its result file unless ``out`` is None."""
    detector = make_detector(name, **options.params.get(name, {}))
    scores = stream_scores(
        detector,
        series.values,
        scale=options.scale,
        onset_window=options.onset_window,
        where=series.key,
    )
    if out is not None:
        write_result(result_path(out, name, series.key), series, scores)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return series.key, scores, peak_mb, judged_mse(detector, series.values)


def run_detector(
    name: str,
    corpus: Sequence[NabFile],
    out: Path | None,
    *,
    jobs: int,
    options: StreamOptions = StreamOptions(),
    progress: bool = True,
    mse_by_key: dict[str, float] | None = None,
    executor: Executor | None = None,
) -> tuple[list[np.ndarray], float, float]:
    """Scores of every series (corpus order), wall seconds and peak worker MB.

    Result files go under ``out``; None writes none (the LOCO protocol's candidates).
    ``mse_by_key``, when given, receives each series' :func:`judged_mse`.
    ``executor`` runs the series instead of a process pool of ``jobs`` (a Dask
    cluster's ``client.get_executor()`` for ``--engine dask``).
    """
    mse_by_key = {} if mse_by_key is None else mse_by_key
    started = time.perf_counter()
    by_key: dict[str, np.ndarray] = {}
    peak = 0.0
    bar = tqdm(total=len(corpus), desc=name, unit="series", disable=not progress)
    if jobs == 1 and executor is None:
        for series in corpus:
            key, scores, peak_mb, mse = _run_series(name, series, out, options)
            by_key[key], peak, mse_by_key[key] = scores, max(peak, peak_mb), mse
            bar.update()
    else:
        # Longest series first, so one long file does not finish alone at the end.
        ordered = sorted(corpus, key=lambda series: -len(series.values))
        # A given executor outlives this detector's run: it is not shut down here.
        own = executor is None
        with ProcessPoolExecutor(max_workers=jobs) if own else nullcontext(executor) as pool:
            futures = [pool.submit(_run_series, name, series, out, options) for series in ordered]
            for future in as_completed(futures):
                key, scores, peak_mb, mse = future.result()
                by_key[key], peak, mse_by_key[key] = scores, max(peak, peak_mb), mse
                bar.update()
    bar.close()
    return [by_key[series.key] for series in corpus], time.perf_counter() - started, peak


def event_f1(corpus: Sequence[NabFile], scores: Sequence[np.ndarray], threshold: float) -> float:
    """Event-wise F1 of the whole corpus, detections past each probationary period.

    Series are joined with an unlabelled, undetected row between them, so no
    event spans two files.
    """
    truth, predicted = [], []
    for series, series_scores in zip(corpus, scores, strict=True):
        detected = series_scores >= threshold
        detected[: nab_probationary_period(len(series_scores))] = False
        truth += [series.labels, [0]]
        predicted += [detected.astype(np.int8), [0]]
    return event_precision_recall_f1(np.concatenate(truth), np.concatenate(predicted)).f1


def score_corpus(corpus: Sequence[NabFile], scores: Sequence[np.ndarray]) -> NabResult:
    """NAB scores of the three profiles, one threshold each for the corpus."""
    return nab_score(
        [
            NabSeries(series_scores, series.windows, series.key)
            for series, series_scores in zip(corpus, scores, strict=True)
        ]
    )


def run_nab(
    data: str | Path,
    out: str | Path,
    detectors: Sequence[str] | None = None,
    *,
    jobs: int | None = None,
    options: StreamOptions = StreamOptions(),
    progress: bool = True,
    executor: Executor | None = None,
) -> list[BenchRow]:
    """Run detectors over a NAB corpus, write results and ``summary.csv``.

    Parameters
    ----------
    data : str or pathlib.Path
        Corpus folder holding ``data/`` and ``labels/combined_windows.json``.
    out : str or pathlib.Path
        Results folder.
    detectors : sequence of str, optional
        Registry names; by default every causal detector that needs no labels,
        deep and R families left out (:func:`anomalia.bench.streaming.default_detectors`).
    jobs : int, optional
        Worker processes; by default the number of CPU cores.
    options : StreamOptions
        Score post-processing: the [0, 1] mapping and the onset window.
    progress : bool, default True
        Show a progress bar per detector.
    executor : concurrent.futures.Executor, optional
        Runs the series instead of ``jobs`` processes (``--engine dask``).

    Returns
    -------
    list of BenchRow
        One per detector, in the order given.

    Raises
    ------
    ConfigError
        If a detector is unknown, not causal or needs labels, ``jobs < 1``, or
        an option is invalid.
    DataError
        If ``data`` is not a readable NAB corpus.
    """
    corpus = load_corpus(data)
    log.info(
        "NAB corpus %s: %d series, %d rows", data, len(corpus), sum(len(s.values) for s in corpus)
    )
    return run_corpus(
        corpus, out, detectors, jobs=jobs, options=options, progress=progress, executor=executor
    )


def run_corpus(
    corpus: Sequence[NabFile],
    out: str | Path,
    detectors: Sequence[str] | None = None,
    *,
    jobs: int | None = None,
    options: StreamOptions = StreamOptions(),
    progress: bool = True,
    executor: Executor | None = None,
) -> list[BenchRow]:
    """:func:`run_nab` on a corpus already read (NAB's, or one built like it)."""
    names = list(detectors) if detectors else default_detectors()
    for name in names:
        check_streamable(name, options.params.get(name))
    jobs = jobs if jobs is not None else os.cpu_count() or 1
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ConfigError(f"`jobs` must be an integer >= 1, got {jobs!r}")
    check_choice("scale", options.scale, UNIT_SCALES)
    if isinstance(options.onset_window, float):
        check_number("onset_window", options.onset_window, low=0.0, high=1.0, low_open=True)
    elif options.onset_window is not None:
        check_integer("onset_window", options.onset_window, minimum=1)
    out = Path(out)
    rows = []
    for name in names:
        mse_by_key: dict[str, float] = {}
        scores, wall, peak = run_detector(
            name,
            corpus,
            out,
            jobs=jobs,
            options=options,
            progress=progress,
            mse_by_key=mse_by_key,
            executor=executor,
        )
        judged = [mse for mse in mse_by_key.values() if np.isfinite(mse)]
        result = score_corpus(corpus, scores)
        standard = result["standard"]
        rows.append(
            BenchRow(
                detector=name,
                standard=standard.score,
                reward_low_fp=result["reward_low_FP_rate"].score,
                reward_low_fn=result["reward_low_FN_rate"].score,
                event_f1=event_f1(corpus, scores, standard.threshold),
                threshold=standard.threshold,
                wall_seconds=wall,
                peak_mb=peak,
                judged_mse=float(np.median(judged)) if judged else float("nan"),
            )
        )
        log.info("%s: NAB standard %.1f in %.0f s", name, standard.score, wall)
    write_summary(out / "summary.csv", rows)
    return rows


def write_summary(path: Path, rows: Sequence[BenchRow]) -> None:
    """Write the table as CSV, atomically."""
    with atomic_file(path) as tmp:
        pd.DataFrame([asdict(row) for row in rows]).to_csv(tmp, index=False)


def format_table(rows: Sequence[BenchRow]) -> str:
    """The table as markdown, one line per detector."""
    lines = [
        "| detector | NAB standard | reward_low_FP | reward_low_FN | event F1 | wall s | peak MB "
        "| MSE (judged) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.detector} | {row.standard:.1f} | {row.reward_low_fp:.1f} | "
            f"{row.reward_low_fn:.1f} | {row.event_f1:.3f} | {row.wall_seconds:.0f} | "
            f"{row.peak_mb:.0f} | {_figure(row.judged_mse)} |"
        )
    return "\n".join(lines)


def _figure(value: float) -> str:
    """Three significant digits, or a dash for NaN."""
    return "—" if np.isnan(value) else f"{value:.3g}"
