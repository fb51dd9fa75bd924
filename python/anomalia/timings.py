"""Runtime of each detector: fit seconds (from training) and score seconds (from detection).

``anomalia detect`` writes them beside the scores table, as
``<scores stem>.timings.csv`` with one row per detector, so that
``anomalia evaluate --report`` can set runtime beside quality.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from anomalia.atomic import atomic_file
from anomalia.exceptions import DataError

COLUMNS = ["detector", "fit_seconds", "score_seconds", "n_points"]


def timings_path(scores_path: str | Path) -> Path:
    """Where the timings of the scores table at ``scores_path`` live."""
    scores_path = Path(scores_path)
    return scores_path.with_name(f"{scores_path.stem}.timings.csv")


def write_timings(timings: pd.DataFrame, path: str | Path) -> Path:
    """Write the timings table atomically; columns :data:`COLUMNS`."""
    path = Path(path)
    with atomic_file(path) as tmp:
        timings[COLUMNS].to_csv(tmp, index=False, float_format="%.6g")
    return path


def read_timings(path: str | Path) -> pd.DataFrame:
    """Read a timings table written by :func:`write_timings`.

    Raises
    ------
    DataError
        If the file lacks a column of :data:`COLUMNS`.
    """
    path = Path(path)
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: not a readable timings CSV ({error})") from None
    missing = [column for column in COLUMNS if column not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: not a timings table, column `{missing[0]}` is missing; "
            "it is written by `anomalia detect`"
        )
    return frame[COLUMNS]
