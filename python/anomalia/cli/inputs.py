"""Input as users have it: several files, folders and glob patterns, CSV read directly.

``--data`` may be repeated, and each value may be a file, a folder (its
``.parquet``, ``.pq`` and ``.csv`` files) or a glob pattern. Parquet files are
read as contract tables; CSV files are ingested on the fly with the same
column options as ``anomalia ingest``. Several files become one table; a
series may appear in one file only.
"""

from __future__ import annotations

import argparse
import glob
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from anomalia.exceptions import ConfigError, DataError

if TYPE_CHECKING:  # pandas loads inside the handlers, so `anomalia --help` stays fast
    import pandas as pd

log = logging.getLogger("anomalia")

DATA_SUFFIXES = (".parquet", ".pq", ".csv", ".edf")
_GLOB_CHARACTERS = set("*?[")


def add_data_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    """``--data PATH`` (repeatable: files, folders, glob patterns)."""
    parser.add_argument(
        "--data",
        action="append",
        metavar="PATH",
        help=f"{help_text}; a file, folder or glob pattern, repeatable",
    )


def add_reading_options(parser: argparse.ArgumentParser, *, events: bool = True) -> None:
    """Column options for CSV input, shared with ``anomalia ingest``."""
    group = parser.add_argument_group("reading CSV input (as `anomalia ingest`)")
    group.add_argument("--timestamp-column", default="timestamp", metavar="NAME")
    group.add_argument("--series-column", default="series_id", metavar="NAME")
    group.add_argument("--series-id", metavar="NAME", help="series name for one-series files")
    group.add_argument("--value-columns", metavar="A,B", help="comma-separated value columns")
    group.add_argument("--label-column", metavar="NAME", help="column of 0/1 labels")
    group.add_argument("--timezone", default="UTC", help="zone of timestamps without offset")
    group.add_argument("--sort", action="store_true", help="sort rows instead of rejecting")
    group.add_argument(
        "--deduplicate",
        default="error",
        choices=["error", "first", "last", "mean"],
        help="what to do with repeated timestamps",
    )
    if events:
        group.add_argument(
            "--labels",
            metavar="CSV",
            help="events CSV `series_id,start,end`: points inside an event get label 1",
        )


def ingest_options(args: argparse.Namespace):
    """The :class:`~anomalia.contract.ingest.IngestOptions` of the reading options."""
    from anomalia.contract.ingest import IngestOptions

    nab_labels = getattr(args, "nab_labels", None)
    return IngestOptions(
        timestamp_column=args.timestamp_column,
        series_column=args.series_column,
        series_id=args.series_id,
        value_columns=tuple(args.value_columns.split(",")) if args.value_columns else None,
        label_column=args.label_column,
        timezone=args.timezone,
        sort=args.sort,
        deduplicate=args.deduplicate,
        nab_labels=Path(nab_labels) if nab_labels else None,
        edf_rate=getattr(args, "rate", None),
    )


def expand(patterns: Sequence[str | Path], *, option: str = "--data") -> list[Path]:
    """Files named by ``patterns``: files as given, folders' data files, glob matches.

    Raises
    ------
    DataError
        For a missing file, a folder without data files or a pattern matching nothing.
    """
    files: list[Path] = []
    for pattern in patterns:
        path = Path(pattern)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in DATA_SUFFIXES)
            if not found:
                raise DataError(
                    f"{path}: folder holds no data files; expected files ending in "
                    f"{', '.join(DATA_SUFFIXES)}"
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        elif _GLOB_CHARACTERS & set(str(pattern)):
            found = sorted(Path(p) for p in glob.glob(str(pattern), recursive=True))
            found = [p for p in found if p.is_file() and p.suffix.lower() in DATA_SUFFIXES]
            if not found:
                raise DataError(
                    f"{option} {pattern}: no file matches this pattern; expected files "
                    f"ending in {', '.join(DATA_SUFFIXES)}"
                )
            files.extend(found)
        else:
            raise DataError(f"{path}: no such file")
    unique = list(dict.fromkeys(files))
    if len(unique) < len(files):
        log.info("%d file(s) named more than once were read once", len(files) - len(unique))
    return unique


def _read_one(
    path: Path, args: argparse.Namespace, file_format: str, contract: bool
) -> pd.DataFrame:
    from anomalia.contract import read_observations
    from anomalia.contract.ingest import IngestOptions, ingest

    options = ingest_options(args)
    # A parquet file read with the default column options is a contract table.
    if contract and options == IngestOptions() and path.suffix.lower() in (".parquet", ".pq"):
        return read_observations(path)
    return ingest(path, file_format, options)


def combine(frames: Sequence[pd.DataFrame], files: Sequence[Path]) -> pd.DataFrame:
    """One observations table from several; every file must share the columns.

    Raises
    ------
    DataError
        Naming both files when a series appears twice or the columns differ.
    """
    import pandas as pd

    from anomalia.contract import validate_observations

    if len(frames) == 1:
        return frames[0]
    first_columns = list(frames[0].columns)
    owner: dict[str, Path] = {}
    for frame, path in zip(frames, files, strict=True):
        if sorted(frame.columns) != sorted(first_columns):
            raise DataError(
                f"{path}: columns {', '.join(frame.columns)} differ from those of "
                f"{files[0]} ({', '.join(first_columns)}); every input must have the same columns"
            )
        for series_id in frame["series_id"].unique():
            if series_id in owner:
                raise DataError(
                    f"{path}: series `{series_id}` is also in {owner[series_id]}; a series "
                    "must come from one file (rename it with --series-id or merge the files)"
                )
            owner[series_id] = path
    combined = pd.concat([f[first_columns] for f in frames], ignore_index=True)
    return validate_observations(combined, source=f"{len(files)} input files")


def read_data(
    args: argparse.Namespace,
    patterns: Sequence[str | Path] | None,
    default: str | Path,
    *,
    file_format: str = "auto",
    contract: bool = True,
) -> pd.DataFrame:
    """The observations named by ``--data`` (or ``default``), labelled by ``--labels``.

    CSV files are ingested with the reading options; parquet files too when
    ``contract`` is false (``anomalia ingest``) or a column option is given,
    else they are read as contract tables.
    """
    from anomalia.contract.events import label_from_events, read_events

    files = expand(list(patterns or [default]))
    frames = [_read_one(path, args, file_format, contract) for path in files]
    observations = combine(frames, files)
    if len(files) > 1:
        log.info(
            "read %d rows, %d series from %d files",
            len(observations),
            observations["series_id"].nunique(),
            len(files),
        )
    labels = getattr(args, "labels", None)
    if labels:
        events = read_events(labels, args.timezone)
        observations = label_from_events(observations, events, source=str(labels))
    labels_store = getattr(args, "labels_store", None)
    if labels_store:
        observations = _label_from_store(observations, labels_store)
    return observations


def add_labels_store_option(parser: argparse.ArgumentParser) -> None:
    """``--labels-store URL``: the dashboard's feedback labels override the data's labels."""
    parser.add_argument(
        "--labels-store",
        metavar="URL",
        help="store whose labels (dashboard feedback: 1 true anomaly, 0 false alarm) "
        "replace the data's labels at the points they name",
    )


def _label_from_store(observations: pd.DataFrame, url: str) -> pd.DataFrame:
    from anomalia.contract.feedback import label_from_feedback
    from anomalia.store import open_store

    with open_store(url) as store:
        labels = store.read_labels()
    return label_from_feedback(observations, labels, source=f"labels of {url}")


def check_output(path: str | Path, option: str = "--out") -> None:
    """Fail before any work when ``--out``'s extension names no table format."""
    from anomalia.atomic import folder_in_the_way
    from anomalia.contract.io import table_format

    if Path(path).is_dir():  # refused before any work, as the write itself would refuse it
        raise folder_in_the_way(path)
    try:
        table_format(path)
    except ConfigError as error:
        raise ConfigError(f"{option} {error}") from None
