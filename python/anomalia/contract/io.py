"""Reading and writing of contract tables, validated and atomic.

The file's extension names its format: ``.parquet`` (or ``.pq``) and ``.csv``.
CSV timestamps are written in ISO 8601 with their UTC offset, so a CSV file
written here reads back to the same table.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from anomalia.atomic import atomic_file
from anomalia.contract.validate import validate_observations, validate_scores
from anomalia.exceptions import ConfigError, DataError

#: Table formats by file extension.
FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}


def table_format(path: str | Path) -> str:
    """``"parquet"`` or ``"csv"``, by the extension of ``path``.

    Raises
    ------
    ConfigError
        For any other extension, naming the file and the extensions known.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ConfigError(
            f"{path}: cannot tell the table format from the extension "
            f"{suffix or '(none)'!s}; expected one of {', '.join(FORMATS)}"
        )
    return FORMATS[suffix]


def _read_parquet(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        return pq.read_table(path).to_pandas()
    except (pa.ArrowInvalid, OSError) as error:
        raise DataError(f"{path}: not a readable parquet file ({error})") from None


def _read_csv(path: Path) -> pd.DataFrame:
    from anomalia.contract.ingest import parse_timestamps

    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path, dtype={"series_id": str, "detector": str})
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty; expected a header and rows") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: not a readable CSV file ({error})") from None
    if "timestamp" in frame.columns and len(frame):
        frame["timestamp"] = parse_timestamps(frame["timestamp"], str(path), "timestamp", "UTC")
    return frame


def _read_table(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if table_format(path) == "csv":
        return _read_csv(path)
    return _read_parquet(path)


def _write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    path = Path(path)
    if table_format(path) == "csv":
        with atomic_file(path) as tmp:
            frame.to_csv(tmp, index=False, date_format="%Y-%m-%dT%H:%M:%S.%f%z")
        return path
    table = pa.Table.from_pandas(frame, preserve_index=False)
    with atomic_file(path) as tmp:
        pq.write_table(table, tmp)
    return path


def read_observations(path: str | Path) -> pd.DataFrame:
    """Read and validate an observations file (parquet or CSV in contract shape)."""
    return validate_observations(_read_table(path), source=str(path))


def write_observations(frame: pd.DataFrame, path: str | Path) -> Path:
    """Validate ``frame`` and write it in the format ``path``'s extension names, atomically."""
    table_format(path)
    return _write_table(validate_observations(frame, source=str(path)), path)


def read_scores(path: str | Path) -> pd.DataFrame:
    """Read and validate a scores file (parquet or CSV)."""
    return validate_scores(_read_table(path), source=str(path))


def write_scores(frame: pd.DataFrame, path: str | Path) -> Path:
    """Validate ``frame`` and write it in the format ``path``'s extension names, atomically."""
    table_format(path)
    return _write_table(validate_scores(frame, source=str(path)), path)
