"""Multivariate benchmark: joint against column-by-column detection on broken sensor relationships.

Run ``python -m anomalia.bench.multivariate``. Every detector is fitted on
the clean first half of each system of
:func:`anomalia.synthetic.multivariate.generate_multivariate` and judged on
the second half: ROC and PR AUC of the scores, event recall per kind and
event F1 with a threshold at the 99.5th percentile of the detector's
calibration scores on the training half, and, for each event, whether the
column the detector blames is the sensor that broke. A detector blames the
column with the largest :meth:`contributions` summed over the event's rows
when it has that method (``pca``); otherwise the detector is fitted on each
column alone and the column scoring highest over the event is blamed.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from anomalia.detectors.registry import make_detector
from anomalia.metrics import event_precision_recall_f1, pr_auc, roc_auc
from anomalia.synthetic.multivariate import MULTIVARIATE_KINDS, generate_multivariate

DEFAULT_DETECTORS = ("pca", "zscore", "mad", "novelty", "iforest")
_THRESHOLD_QUANTILE = 0.995


def _blame(name: str, train: np.ndarray, values: np.ndarray) -> np.ndarray:
    """(n, n_columns) share of each column in each row's score."""
    detector = make_detector(name).fit(train)
    if hasattr(detector, "contributions"):
        return detector.contributions(values)
    columns = [make_detector(name).fit(train[:, [j]]) for j in range(train.shape[1])]
    return np.column_stack([column.score(values[:, [j]]) for j, column in enumerate(columns)])


def evaluate_detector(name: str, data) -> dict[str, float]:
    """Metrics of one detector over every system of ``data``."""
    truth, scores, flags = [], [], []
    found = {kind: [] for kind in MULTIVARIATE_KINDS}
    blamed = []
    for system, (values, labels) in enumerate(zip(data.values, data.labels, strict=True)):
        half = len(values) // 2
        train = values[:half]
        detector = make_detector(name).fit(train)
        score = detector.score(values)[half:]
        threshold = np.quantile(detector.calibration_scores(train), _THRESHOLD_QUANTILE)
        flagged = (score > threshold).astype(np.int8)
        truth += [labels[half:], [0]]
        scores += [score, [score.min()]]
        flags += [flagged, [0]]
        shares = _blame(name, train, values)
        for event in data.events[data.events["system"] == system].itertuples():
            rows = slice(event.start_index - half, event.end_index - half + 1)
            found[event.kind].append(bool(flagged[rows].any()))
            event_rows = slice(event.start_index, event.end_index + 1)
            blamed.append(int(np.argmax(shares[event_rows].sum(axis=0))) == event.sensor)
    y, s = np.concatenate(truth), np.concatenate(scores).astype(np.float64)
    result = {
        "roc_auc": roc_auc(y, s),
        "pr_auc": pr_auc(y, s),
        "event_f1": event_precision_recall_f1(y, np.concatenate(flags)).f1,
        "blamed_right": float(np.mean(blamed)),
    }
    result.update({f"found_{kind}": float(np.mean(hits)) for kind, hits in found.items()})
    return result


def contributions_figure(data, path: str | Path, system: int = 0) -> Path:
    """PNG of one system's sensors and ``pca``'s per-column contributions, events shaded."""
    from matplotlib.figure import Figure

    from anomalia.report.figures import DPI, PALETTE, house_style, save_png

    values = data.values[system]
    half = len(values) // 2
    detector = make_detector("pca").fit(values[:half])
    shares = detector.contributions(values)
    events = data.events[data.events["system"] == system]
    rows = np.arange(len(values))
    with house_style():
        figure = Figure(figsize=(11.0, 5.5), dpi=DPI)
        top, bottom = figure.subplots(2, 1, sharex=True)
        for j in range(values.shape[1]):
            column = values[:, j]
            standard = (column - column.mean()) / column.std() + 4 * j
            top.plot(rows, standard, lw=0.6, color=PALETTE[j % len(PALETTE)], label=f"sensor {j}")
        bottom.stackplot(rows, shares.T, colors=PALETTE[: values.shape[1]], lw=0)
        for k, event in enumerate(events.itertuples()):
            for ax in (top, bottom):
                ax.axvspan(event.start_index, event.end_index, color="#ff9f1c", alpha=0.25, lw=0)
            label, height = f"{event.kind}, sensor {event.sensor}", 1.02 + 0.07 * (k % 2)
            top.text(event.start_index, height, label,
                     transform=top.get_xaxis_transform(), fontsize=7, ha="center")  # fmt: skip
        top.axvline(half, color="#333333", lw=0.8, ls="--")
        bottom.axvline(half, color="#333333", lw=0.8, ls="--")
        top.set_ylabel("sensors (standardised, offset)")
        bottom.set_ylabel("pca score, by column")
        bottom.set_xlabel("row (fitted left of the dashed line)")
        bottom.set_yscale("symlog", linthresh=1.0)
        top.legend(loc="lower left", ncols=values.shape[1], fontsize=7)
        return save_png(figure, path)


def write_observations(data, path: str | Path) -> Path:
    """Write the corpus as contract observations: one series per system, ``sensor_<j>`` columns.

    For ``anomalia train``/``detect``/``report`` on the same systems (the
    report's per-column contributions).
    """
    import pandas as pd

    from anomalia.contract import write_observations as write

    frames = []
    for system, (values, labels) in enumerate(zip(data.values, data.labels, strict=True)):
        frame = pd.DataFrame(values, columns=[f"sensor_{j}" for j in range(values.shape[1])])
        frame.insert(0, "timestamp", data.timestamps)
        frame.insert(0, "series_id", f"system-{system}")
        frame["label"] = labels
        frames.append(frame)
    write(pd.concat(frames, ignore_index=True), path)
    return Path(path)


def main(argv: Sequence[str] | None = None) -> None:
    """Print the multivariate table in markdown."""
    parser = argparse.ArgumentParser(
        prog="python -m anomalia.bench.multivariate", description=__doc__
    )
    parser.add_argument("--systems", type=int, default=6)
    parser.add_argument("--sensors", type=int, default=5)
    parser.add_argument("--length", type=int, default=4032)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--detectors", nargs="*", default=list(DEFAULT_DETECTORS))
    parser.add_argument(
        "--figure", metavar="PNG", help="also draw the first system's pca contributions"
    )
    parser.add_argument(
        "--observations", metavar="FILE", help="also write the corpus as contract observations"
    )
    args = parser.parse_args(argv)
    data = generate_multivariate(args.systems, args.length, args.sensors, seed=args.seed)
    if args.figure:
        contributions_figure(data, args.figure)
    if args.observations:
        write_observations(data, args.observations)
    kinds = " / ".join(MULTIVARIATE_KINDS)
    print(
        f"{args.systems} systems x {args.sensors} sensors x {args.length} rows, seed {args.seed}; "
        "fitted on the first half, judged on the second.\n"
    )
    print(f"| detector | ROC AUC | PR AUC | event F1 | found: {kinds} | right sensor blamed |")
    print("|---|---|---|---|---|---|")
    for name in args.detectors:
        r = evaluate_detector(name, data)
        found = " / ".join(f"{r[f'found_{kind}']:.2f}" for kind in MULTIVARIATE_KINDS)
        print(
            f"| {name} | {r['roc_auc']:.3f} | {r['pr_auc']:.3f} | {r['event_f1']:.3f} | "
            f"{found} | {r['blamed_right']:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
