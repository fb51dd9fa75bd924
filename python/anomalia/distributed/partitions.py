"""Work split by series: input partitions, and the partitioned parquet dataset of results.

Input comes two ways:

- a **partitioned parquet dataset**: a folder of parquet files, nested or
  not, hive-style (``series_id=<id>/part-0.parquet``, as
  ``dask.dataframe.to_parquet(partition_on=["series_id"])`` writes) or plain
  (each file holding whole series in the contract's columns). Each task reads
  its own files, so only paths travel to the workers; on a real cluster the
  folder must be on storage every worker can read.
- a **contract table** (the usual single file, or several): read once by the
  client and cut into partitions of whole series, each shipped with its task
  (so a rerun task still has its rows after the worker that held them died).

Either way a series lies in one partition, and partitions keep the input's
series order, so the models of the concatenated partitions come in the
order the local engine fits them.

Results are a parquet dataset: ``<out>/part-00000.parquet``, one file per
partition, each written atomically (temporary file, then rename) by its task.
A task that runs again overwrites its own file, so reruns never duplicate rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from anomalia.atomic import atomic_file
from anomalia.contract.validate import validate_observations
from anomalia.exceptions import DataError

PART_PATTERN = "part-{index:05d}.parquet"


@dataclass
class Partition:
    """One task's share of the input: files of a dataset, or rows read by the client.

    Attributes
    ----------
    index : int
        Position among the partitions; names the result file.
    files : list of pathlib.Path
        Parquet files to read (dataset input), empty for rows.
    root : pathlib.Path or None
        The dataset folder (hive partition keys are read relative to it).
    rows : pandas.DataFrame or None
        The partition's observations (contract table input).
    """

    index: int
    files: list[Path] = field(default_factory=list)
    root: Path | None = None
    rows: pd.DataFrame | None = None

    def read(self) -> pd.DataFrame:
        """The partition's observations, validated as a contract table."""
        if self.rows is not None:
            return self.rows
        return read_files(self.files, self.root)

    @property
    def source(self) -> str:
        """Where the rows come from, for error messages."""
        if self.files:
            return str(self.files[0]) if len(self.files) == 1 else f"{self.files[0]} (and others)"
        return f"input partition {self.index}"


def is_dataset(path: str | Path) -> bool:
    """Whether ``path`` is a folder holding parquet files (at any depth)."""
    path = Path(path)
    return path.is_dir() and any(dataset_files(path))


def dataset_files(root: Path) -> list[Path]:
    """Parquet files under ``root``, in path order; hidden ones (``.x``, ``_x``) skipped."""
    return sorted(
        path
        for path in root.rglob("*")
        if path.suffix.lower() in (".parquet", ".pq")
        and path.is_file()
        and not any(part.startswith((".", "_")) for part in path.relative_to(root).parts)
    )


def read_files(files: list[Path], root: Path | None) -> pd.DataFrame:
    """Read parquet files of a dataset into one contract table (hive keys become columns)."""
    try:
        dataset = ds.dataset(
            [str(path) for path in files],
            format="parquet",
            partitioning="hive",
            partition_base_dir=None if root is None else str(root),
        )
        frame = dataset.to_table().to_pandas()
    except (pa.ArrowInvalid, OSError) as error:
        raise DataError(f"{files[0]}: not a readable parquet dataset file ({error})") from None
    if "series_id" in frame.columns:
        frame["series_id"] = frame["series_id"].astype(str)
    # Hive keys are appended last; the contract table keeps series_id first.
    columns = ["series_id"] + [c for c in frame.columns if c != "series_id"]
    frame = frame[[c for c in columns if c in frame.columns]]
    source = str(files[0]) if len(files) == 1 else f"{files[0]} and {len(files) - 1} more"
    return validate_observations(frame, source=source)


def from_dataset(
    root: str | Path, n_partitions: int | None = None, long_rows: int | None = None
) -> list[Partition]:
    """Partitions of a parquet dataset: its files in path order, grouped into at most ``n``.

    Parameters
    ----------
    root : str or pathlib.Path
        The dataset folder.
    n_partitions : int, optional
        How many tasks; by default one per file.
    long_rows : int, optional
        A file of more rows is read here and its series longer than this get
        a partition each (see :func:`from_frame`), for time chunks.
    """
    root = Path(root)
    files = dataset_files(root)
    if not files:
        raise DataError(f"{root}: no parquet files in this dataset folder")
    long_files = set()
    if long_rows is not None:
        long_files = {f for f in files if pq.ParquetFile(f).metadata.num_rows > long_rows}
    groups = _split([f for f in files if f not in long_files], n_partitions or len(files))
    partitions: list[Partition] = []
    for file in files:  # long files in their place among the groups, in path order
        if file in long_files:
            rows = read_files([file], root)
            partitions += from_frame(rows, 1, long_rows)
        elif groups and groups[0] and groups[0][0] == file:
            partitions.append(Partition(0, list(groups.pop(0)), root))
    for index, partition in enumerate(partitions):
        partition.index = index
    return partitions


def from_frame(
    observations: pd.DataFrame, n_partitions: int, long_rows: int | None = None
) -> list[Partition]:
    """Partitions of whole series of ``observations``, in their order of first appearance.

    A series of more than ``long_rows`` rows gets a partition of its own
    (scored in time chunks where its model streams).
    """
    series = [frame for _, frame in observations.groupby("series_id", sort=False)]
    is_long = [long_rows is not None and len(frame) > long_rows for frame in series]
    size = -(-max(1, len(series) - sum(is_long)) // max(1, n_partitions))
    groups: list[list[pd.DataFrame]] = [[]]
    for frame, long in zip(series, is_long, strict=True):
        if long or len(groups[-1]) == size:
            groups.append([])
        groups[-1].append(frame)
        if long:
            groups.append([])
    return [
        Partition(index, rows=pd.concat(group, ignore_index=True))
        for index, group in enumerate(g for g in groups if g)
    ]


def _split(items: list, n_parts: int) -> list[list]:
    """``items`` in order, cut into ``n_parts`` contiguous runs of near-equal length."""
    n_parts = max(1, min(n_parts, len(items)))
    size, extra = divmod(len(items), n_parts)
    runs, first = [], 0
    for part in range(n_parts):
        last = first + size + (part < extra)
        runs.append(items[first:last])
        first = last
    return runs


def part_path(folder: Path, index: int) -> Path:
    """The result file of partition ``index``."""
    return folder / PART_PATTERN.format(index=index)


def write_part(frame: pd.DataFrame, folder: Path, index: int) -> Path:
    """Write one partition's results atomically; a rerun replaces the same file."""
    path = part_path(folder, index)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    with atomic_file(path) as tmp:
        pq.write_table(table, tmp)
    return path


def clear_parts(folder: Path) -> None:
    """Remove result files of an earlier run, so a run with fewer partitions leaves none over."""
    if folder.is_dir():
        for path in folder.glob("part-*.parquet"):
            path.unlink()


def read_parts(folder: str | Path) -> pd.DataFrame:
    """A results dataset read back as one table (partition order, then row order)."""
    files = sorted(Path(folder).glob("part-*.parquet"))
    if not files:
        raise DataError(f"{folder}: no result files (part-*.parquet)")
    return pd.concat([pq.read_table(path).to_pandas() for path in files], ignore_index=True)
