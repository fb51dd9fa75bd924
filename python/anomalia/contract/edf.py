"""EDF and EDF+ recordings into the observations contract (with pyedflib).

Every signal channel becomes one value column, named after its label in
snake case (``EEG Fpz-Cz`` -> ``eeg_fpz_cz``). Channels sampled at different
rates are brought to one common rate, by default the slowest: a faster channel
is averaged over each sample period of the common rate when its rate is a
multiple of it, else linearly interpolated; a slower one is linearly
interpolated (its last value held to the end of the recording). A warning
names every resampled channel and its rate.
EDF+ annotations are not read.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from anomalia.contract.validate import validate_observations
from anomalia.exceptions import DataError, MissingDependencyError

SUFFIXES = (".edf", ".edf+", ".bdf")
_RESERVED = {"series_id", "timestamp", "label"}


def column_names(labels: list[str]) -> list[str]:
    """Snake-case value column names for channel ``labels``, unique, none a contract column."""
    names: list[str] = []
    for index, label in enumerate(labels):
        name = re.sub(r"[^0-9a-z]+", "_", label.strip().lower()).strip("_") or f"channel_{index}"
        if name in _RESERVED or name.endswith("_imputed"):
            name = f"channel_{name}"
        base, suffix = name, 2
        while name in names:
            name, suffix = f"{base}_{suffix}", suffix + 1
        names.append(name)
    return names


def _resample(signal: np.ndarray, rate: float, target: float, n_target: int) -> np.ndarray:
    ratio = rate / target
    if np.isclose(ratio, 1.0):
        return signal[:n_target]
    if ratio > 1 and np.isclose(ratio, round(ratio)):
        block = round(ratio)
        usable = min(len(signal) // block, n_target) * block
        return signal[:usable].reshape(-1, block).mean(axis=1)
    times = np.arange(len(signal)) / rate
    return np.interp(np.arange(n_target) / target, times, signal)


def read_edf(
    path: str | Path,
    *,
    series_id: str | None = None,
    rate: float | None = None,
    timezone: str = "UTC",
) -> pd.DataFrame:
    """Read an EDF/EDF+ (or BDF) file as one series of contract observations.

    Parameters
    ----------
    path : str or pathlib.Path
    series_id : str, optional
        Name of the series (default: the file's stem).
    rate : float, optional
        Common sampling rate in Hz (default: the slowest channel's).
    timezone : str
        Zone of the recording's start time (EDF stores local time without one).

    Returns
    -------
    DataFrame
        ``series_id``, ``timestamp`` (UTC) and one value column per channel.

    Raises
    ------
    DataError
        When the file is not readable EDF or holds no signal channel.
    MissingDependencyError
        When pyedflib is not installed.
    """
    try:
        import pyedflib
    except ImportError:
        raise MissingDependencyError(
            "reading EDF files needs pyedflib: pip install 'anomalia[edf]'"
        ) from None
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if rate is not None and not rate > 0:
        raise ValueError(f"`rate` must be a positive number of Hz, got {rate}")
    try:
        reader = pyedflib.EdfReader(str(path))
    except OSError as error:
        raise DataError(f"{path}: not a readable EDF file ({error})") from None
    try:
        labels = list(reader.getSignalLabels())
        rates = [float(f) for f in reader.getSampleFrequencies()]
        signals = [reader.readSignal(i) for i in range(len(labels))]
        start = pd.Timestamp(reader.getStartdatetime())
        duration = float(reader.getFileDuration())
    finally:
        reader.close()
    if not labels:
        raise DataError(f"{path}: the recording holds no signal channel")
    target = rate or min(rates)
    n_target = int(np.floor(duration * target + 1e-9))
    if n_target < 1:
        raise DataError(f"{path}: {duration:g} s at {target:g} Hz give no sample")
    pairs = zip(labels, rates, strict=True)
    moved = [f"`{label}` at {f:g} Hz" for label, f in pairs if f != target]
    if moved:
        warnings.warn(
            f"{path.name}: channels sampled at different rates; resampled to {target:g} Hz: "
            f"{', '.join(moved)}",
            stacklevel=2,
        )
    columns = {
        name: _resample(signal, f, target, n_target)
        for name, signal, f in zip(column_names(labels), signals, rates, strict=True)
    }
    n_rows = min(len(values) for values in columns.values())
    offsets = pd.to_timedelta(np.round(np.arange(n_rows) * 1e9 / target).astype(np.int64), "ns")
    timestamps = (start.tz_localize(timezone) + offsets).tz_convert("UTC")
    frame = pd.DataFrame({name: values[:n_rows] for name, values in columns.items()})
    frame.insert(0, "timestamp", timestamps)
    frame.insert(0, "series_id", series_id or path.stem)
    return validate_observations(frame, source=str(path))
