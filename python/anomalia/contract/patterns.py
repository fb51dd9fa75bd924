"""File patterns for ``--data``: ``'data/raw/2020-12*.parquet'`` names every matching file."""

from __future__ import annotations

import glob
from pathlib import Path

from anomalia.exceptions import DataError

_MAGIC = ("*", "?", "[")


def expand_pattern(pattern: str | Path) -> list[Path]:
    """The files ``pattern`` names, sorted; a plain path is returned as given.

    Raises
    ------
    DataError
        When a pattern (with ``*``, ``?`` or ``[``) matches no file.
    """
    text = str(pattern)
    if not any(mark in text for mark in _MAGIC):
        return [Path(text)]
    files = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
    if not files:
        raise DataError(f"{text}: the pattern matches no file")
    return files
