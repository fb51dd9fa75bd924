"""Unpacking uploaded model archives with bounded work: size, member count, ratio, names.

Limits are checked as the archive is read, member by member, so a bomb (a few
kilobytes that unpack to gigabytes) or an archive of 60,000 files is refused
after reading at most the limit, never after unpacking it whole.
"""

from __future__ import annotations

import stat
import struct
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO

from anomalia.exceptions import DataError

CHUNK = 1024 * 1024
END_SIGNATURE = b"PK\x05\x06"
END_RECORD = 22
MAX_COMMENT = 65535


@dataclass(frozen=True)
class ArchiveLimits:
    """What one archive may hold.

    Attributes
    ----------
    max_bytes : int
        Total unpacked size of all members.
    max_members : int
        Files and folders.
    max_ratio : float
        Unpacked size over the archive's own size.
    """

    max_bytes: int = 512 * 1024 * 1024
    max_members: int = 1_000
    max_ratio: float = 200.0


class _Budget:
    """Counts members and unpacked bytes against the limits while unpacking."""

    def __init__(self, archive: str, packed_bytes: int, limits: ArchiveLimits):
        self.archive = archive
        self.limits = limits
        self.max_bytes = min(limits.max_bytes, int(max(packed_bytes, 1) * limits.max_ratio))
        self.members = 0
        self.unpacked = 0

    def count(self, members: int) -> None:
        self.members = members
        if self.members > self.limits.max_members:
            raise DataError(
                f"{self.archive}: more than {self.limits.max_members} members "
                "(ANOMALIA_MAX_ARCHIVE_MEMBERS); a model set folder holds a few files"
            )

    def member(self) -> None:
        self.count(self.members + 1)

    def declared(self, size: int) -> None:
        """Refuse before reading a member whose declared size would cross the limit."""
        self.add(size)
        self.unpacked -= size

    def add(self, size: int) -> None:
        self.unpacked += size
        if self.unpacked > self.max_bytes:
            raise DataError(
                f"{self.archive}: unpacks to more than {self.max_bytes} bytes (limits: "
                f"{self.limits.max_bytes} bytes, ANOMALIA_MAX_ARCHIVE_BYTES, and "
                f"{self.limits.max_ratio:g} times the archive, ANOMALIA_MAX_ARCHIVE_RATIO)"
            )


def unpack(archive: Path, target: Path, limits: ArchiveLimits) -> None:
    """Unpack a tar or zip archive of plain files and folders into ``target``.

    Raises
    ------
    DataError
        Naming the archive and the member: not an archive, a link or device, an
        absolute or escaping name, or over a limit.
    """
    target.mkdir()
    budget = _Budget(archive.name, archive.stat().st_size, limits)
    try:
        if archive.name.lower().endswith(".zip"):
            _unpack_zip(archive, target, budget)
        else:
            _unpack_tar(archive, target, budget)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as error:
        raise DataError(f"{archive.name}: not a readable archive ({error})") from None


def _declared_entries(archive: Path) -> int | None:
    """Member count from a zip's end record (its last bytes), before the directory is read."""
    with archive.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - END_RECORD - MAX_COMMENT))
        tail = handle.read()
    at = tail.rfind(END_SIGNATURE)
    if at < 0 or len(tail) - at < END_RECORD:
        return None
    (entries,) = struct.unpack("<H", tail[at + 10 : at + 12])
    return None if entries == 0xFFFF else entries  # 0xFFFF: zip64, counted by zipfile


def _unpack_zip(archive: Path, target: Path, budget: _Budget) -> None:
    declared = _declared_entries(archive)
    if declared is not None:
        budget.count(declared)  # 60,000 members: refused before their directory is parsed
        budget.count(0)
    with zipfile.ZipFile(archive) as bundle:
        members = bundle.infolist()
        budget.count(len(members))  # the central directory lists them all: refuse up front
        budget.count(0)
        for info in members:
            budget.member()
            kind = stat.S_IFMT(info.external_attr >> 16)
            plain = kind in (0, stat.S_IFREG, stat.S_IFDIR)
            destination = _destination(archive, info.filename, target, plain=plain)
            if info.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            budget.declared(info.file_size)  # the copy below counts what really comes
            with bundle.open(info) as source:
                _copy(source, destination, budget)


def _unpack_tar(archive: Path, target: Path, budget: _Budget) -> None:
    # Streamed ("r|*"): members are read one after another, never listed up front,
    # so the limits stop reading as soon as they are crossed.
    with tarfile.open(archive, mode="r|*") as bundle:
        for member in bundle:
            budget.member()
            plain = member.isfile() or member.isdir()
            destination = _destination(archive, member.name, target, plain=plain)
            if member.isdir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            budget.declared(member.size)
            source = bundle.extractfile(member)
            if source is not None:
                _copy(source, destination, budget)


def _copy(source: IO[bytes], destination: Path, budget: _Budget) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    with destination.open("wb") as out:
        while chunk := source.read(CHUNK):
            budget.add(len(chunk))
            out.write(chunk)


def _destination(archive: Path, name: str, target: Path, *, plain: bool) -> Path:
    """Where member ``name`` goes; refuse links, devices, absolute and escaping names."""
    if not plain:
        raise DataError(
            f"{archive.name}: member {name!r} is not a plain file or folder; "
            "a model archive holds only those"
        )
    if (
        not name
        or PurePosixPath(name).is_absolute()
        or PureWindowsPath(name).is_absolute()
        or PureWindowsPath(name).drive
        or "\\" in name
        or ".." in PurePosixPath(name).parts
    ):
        raise DataError(
            f"{archive.name}: member {name!r} escapes the archive; "
            "member names must be relative paths without `..`"
        )
    destination = target / name
    if not destination.resolve().is_relative_to(target.resolve()):
        raise DataError(f"{archive.name}: member {name!r} escapes the archive")
    return destination
