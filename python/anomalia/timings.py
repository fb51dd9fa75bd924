"""Runtime of each detector: fit seconds (from training) and score seconds (from detection).

``anomalia detect`` writes them beside the scores table, as
``<scores stem>.timings.csv`` with one row per detector, so that
``anomalia evaluate --report`` can set runtime beside quality.

The two files belong together but cannot be renamed into place in one step:
the timings are written second and record the SHA-256 of the scores file they
describe. A reader given the scores path uses them only when it matches, so
a run killed between the two writes (new scores, old timings) is never shown
as one.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import pandas as pd

from anomalia.atomic import atomic_file
from anomalia.exceptions import DataError

COLUMNS = ["detector", "fit_seconds", "score_seconds", "n_points"]
DIGEST_COLUMN = "scores_sha256"


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def timings_path(scores_path: str | Path) -> Path:
    """Where the timings of the scores table at ``scores_path`` live."""
    scores_path = Path(scores_path)
    return scores_path.with_name(f"{scores_path.stem}.timings.csv")


def write_timings(
    timings: pd.DataFrame, path: str | Path, scores_path: str | Path | None = None
) -> Path:
    """Write the timings table atomically; columns :data:`COLUMNS`.

    With ``scores_path`` (written already), each row records its digest.
    """
    path = Path(path)
    table = timings[COLUMNS].copy()
    if scores_path is not None:
        table[DIGEST_COLUMN] = file_digest(scores_path)
    with atomic_file(path) as tmp:
        table.to_csv(tmp, index=False, float_format="%.6g")
    return path


def read_timings(path: str | Path, scores_path: str | Path | None = None) -> pd.DataFrame | None:
    """Read a timings table written by :func:`write_timings`.

    Returns
    -------
    DataFrame or None
        None when ``scores_path`` is given and the timings were written for
        other scores (an interrupted run, or the scores rewritten since).

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
    if scores_path is not None and DIGEST_COLUMN in frame.columns:
        if frame[DIGEST_COLUMN].iloc[0] != file_digest(scores_path):
            warnings.warn(
                f"{path}: written for other scores than {scores_path} (an interrupted "
                "`anomalia detect`?); not used",
                stacklevel=2,
            )
            return None
    missing = [column for column in COLUMNS if column not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: not a timings table, column `{missing[0]}` is missing; "
            "it is written by `anomalia detect`"
        )
    return frame[COLUMNS]
