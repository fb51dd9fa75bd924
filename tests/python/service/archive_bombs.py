"""Hostile archives built in milliseconds: zip and tar.gz bombs, a zip of 60,000 files.

A bomb's deflate stream is one compressed megabyte of zeros repeated: after a
full flush the compressor starts afresh, so every megabyte compresses to the
same bytes and a gigabyte costs one megabyte of work to build. CRCs are left
at 0: a reader that stops at its limit never gets far enough to check them.
"""

from __future__ import annotations

import struct
import tarfile
import zlib

MIB = 1 << 20
DEFLATED = 8  # zip compression method


def _zeros_deflated(n_mib: int, *, raw: bool, prefix: bytes = b"") -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15 if raw else 31)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(bytes(MIB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return head + block * n_mib + compressor.flush()


def _local_and_central(name: str, method: int, size: int, data: bytes, offset: int):
    encoded = name.encode()
    local = struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, 0, len(data), size, len(encoded), 0
    )
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50,
        20,
        20,
        0,
        method,
        0,
        0x21,
        0,
        len(data),
        size,
        len(encoded),
        0,
        0,
        0,
        0,
        0,
        offset,
    )
    return local + encoded + data, central + encoded


def _zip(entries: list[tuple[str, int, int, bytes]]) -> bytes:
    """A zip of (name, method, declared size, stored bytes) entries."""
    body, directory, offset = [], [], 0
    for name, method, size, data in entries:
        local, central = _local_and_central(name, method, size, data, offset)
        body.append(local)
        directory.append(central)
        offset += len(local)
    central = b"".join(directory)
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), offset, 0
    )
    return b"".join(body) + central + end


def zip_bomb(n_mib: int, *, declared: int | None = None) -> bytes:
    """One member, ``m/manifest.json``, of ``n_mib`` MiB of zeros (declared size may lie)."""
    data = _zeros_deflated(n_mib, raw=True)
    size = n_mib * MIB if declared is None else declared
    return _zip([("m/manifest.json", DEFLATED, size, data)])


def zip_of_many_files(count: int) -> bytes:
    """``count`` empty stored files ``m/f0`` ... in one zip."""
    return _zip([(f"m/f{i}", 0, 0, b"") for i in range(count)])


def tar_gz_bomb(n_mib: int) -> bytes:
    """A .tar.gz whose one member, ``m/manifest.json``, is ``n_mib`` MiB of zeros."""
    header = tarfile.TarInfo("m/manifest.json")
    header.size = n_mib * MIB
    return _zeros_deflated(n_mib, raw=False, prefix=header.tobuf(format=tarfile.GNU_FORMAT))
