"""Reading the Numenta Anomaly Benchmark corpus as it ships.

A NAB corpus is a folder with ``data/<category>/<file>.csv`` (columns
``timestamp,value``) and ``labels/combined_windows.json`` mapping
``"<category>/<file>.csv"`` to a list of ``[start, end]`` timestamp pairs.
Rows are kept exactly as in the file: NAB files hold duplicate timestamps
(daylight-saving changes) and one timestamp that goes backwards, and results
must have one row per data row in the same order. A row is inside a window
when its own timestamp lies in ``[start, end]``; the window's index range runs
from its first to its last such row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from anomalia.exceptions import DataError

LABELS_FILE = Path("labels") / "combined_windows.json"


@dataclass(frozen=True)
class NabFile:
    """One series of the corpus.

    Attributes
    ----------
    key : str
        ``"<category>/<file>.csv"``, as in the labels file.
    timestamps : numpy.ndarray of str, shape (n,)
        Timestamps exactly as written in the data file.
    values : numpy.ndarray of float64, shape (n,)
    windows : numpy.ndarray of int64, shape (n_windows, 2)
        Inclusive row ranges of the labelled anomaly windows, in time order.
    labels : numpy.ndarray of int8, shape (n,)
        1 on rows whose timestamp lies inside a window.
    """

    key: str
    timestamps: np.ndarray
    values: np.ndarray
    windows: np.ndarray
    labels: np.ndarray

    @property
    def category(self) -> str:
        return self.key.split("/")[0]

    @property
    def stem(self) -> str:
        return Path(self.key).stem


def corpus_keys(root: str | Path) -> list[str]:
    """The ``"<category>/<file>.csv"`` keys of a corpus, sorted; checks the layout.

    Raises
    ------
    DataError
        If ``root`` has no ``data/`` folder with CSV files or no labels file.
    """
    root = Path(root)
    data = root / "data"
    if not data.is_dir():
        raise DataError(
            f"{root}: not a NAB corpus (no data/ folder); pass --data pointing at the "
            "folder holding data/ and labels/combined_windows.json"
        )
    if not (root / LABELS_FILE).is_file():
        raise DataError(f"{root}: not a NAB corpus (no {LABELS_FILE})")
    keys = sorted(path.relative_to(data).as_posix() for path in data.glob("*/*.csv"))
    if not keys:
        raise DataError(f"{data}: no <category>/<file>.csv data files")
    return keys


def read_windows(root: str | Path) -> dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]]:
    """The labelled windows of every file, as timestamp pairs."""
    path = Path(root) / LABELS_FILE
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise DataError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(content, dict):
        raise DataError(f"{path}: expected an object mapping file keys to window lists")
    windows = {}
    for key, pairs in content.items():
        try:
            windows[key] = [(pd.Timestamp(start), pd.Timestamp(end)) for start, end in pairs]
        except (TypeError, ValueError) as error:
            raise DataError(
                f"{path}, `{key}`: expected [start, end] timestamp pairs ({error})"
            ) from None
    return windows


def read_file(
    root: str | Path, key: str, windows: list[tuple[pd.Timestamp, pd.Timestamp]]
) -> NabFile:
    """Read one data file and place its windows on its rows.

    Raises
    ------
    DataError
        If the file lacks a ``timestamp`` or ``value`` column, holds an
        unreadable timestamp or a missing or non-numeric value, or a window
        covers no row.
    """
    path = Path(root) / "data" / key
    frame = pd.read_csv(path, dtype={"timestamp": str})
    for column in ("timestamp", "value"):
        if column not in frame.columns:
            raise DataError(f"{path}: no `{column}` column (NAB files hold timestamp,value)")
    values = pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        row = int(bad[0]) + 1  # data rows counted from 1, as everywhere
        raise DataError(
            f"{path}, column `value`, row {row}: expected a finite number, "
            f"got {frame['value'].iloc[row - 1]!r}"
        )
    times = pd.to_datetime(frame["timestamp"], errors="coerce")
    if times.isna().any():
        row = int(np.flatnonzero(times.isna())[0]) + 1
        raise DataError(
            f"{path}, column `timestamp`, row {row}: expected a timestamp, "
            f"got {frame['timestamp'].iloc[row - 1]!r}"
        )
    stamps = times.to_numpy()
    labels = np.zeros(len(frame), dtype=np.int8)
    ranges = []
    for start, end in windows:
        inside = np.flatnonzero((stamps >= start.to_datetime64()) & (stamps <= end.to_datetime64()))
        if not len(inside):
            raise DataError(f"{path}: window [{start}, {end}] covers no row of the file")
        ranges.append((int(inside[0]), int(inside[-1])))
        labels[inside[0] : inside[-1] + 1] = 1
    return NabFile(
        key=key,
        timestamps=frame["timestamp"].to_numpy(dtype=str),
        values=values,
        windows=np.array(sorted(ranges), dtype=np.int64).reshape(-1, 2),
        labels=labels,
    )
