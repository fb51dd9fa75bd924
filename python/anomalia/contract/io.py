"""Parquet reading and writing of contract tables, validated and atomic."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from anomalia.atomic import atomic_file
from anomalia.contract.validate import validate_observations, validate_scores
from anomalia.exceptions import DataError


def _read_parquet(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        return pq.read_table(path).to_pandas()
    except (pa.ArrowInvalid, OSError) as error:
        raise DataError(f"{path}: not a readable parquet file ({error})") from None


def _write_parquet(frame: pd.DataFrame, path: str | Path) -> Path:
    path = Path(path)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    with atomic_file(path) as tmp:
        pq.write_table(table, tmp)
    return path


def read_observations(path: str | Path) -> pd.DataFrame:
    """Read and validate an observations parquet file."""
    return validate_observations(_read_parquet(path), source=str(path))


def write_observations(frame: pd.DataFrame, path: str | Path) -> Path:
    """Validate ``frame`` and write it as parquet, atomically."""
    return _write_parquet(validate_observations(frame, source=str(path)), path)


def read_scores(path: str | Path) -> pd.DataFrame:
    """Read and validate a scores parquet file."""
    return validate_scores(_read_parquet(path), source=str(path))


def write_scores(frame: pd.DataFrame, path: str | Path) -> Path:
    """Validate ``frame`` and write it as parquet, atomically."""
    return _write_parquet(validate_scores(frame, source=str(path)), path)
