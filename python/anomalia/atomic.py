"""Crash-safe writes: build beside the target, flush to disk, then swap in with one rename.

A reader sees the old complete file or folder, or the new complete one, never
a part and never nothing, whenever the writer is killed:

- a file is written to a temporary sibling, ``fsync``-ed, renamed over the
  target (``rename`` is atomic), and the folder entry is ``fsync``-ed;
- a folder is built in a temporary sibling, every file and folder in it is
  ``fsync``-ed, and it is *exchanged* with the old folder in one
  ``renameat2(RENAME_EXCHANGE)`` call (Linux >= 3.15 on ext4, xfs, btrfs,
  tmpfs): the old folder stays in place, readable, until the instant the new
  one is. The old one then sits under the temporary name and is removed. Where
  the file system cannot exchange, the old folder is first renamed to
  ``.<name>.old`` (the one moment with no folder) and :func:`recover` puts it
  back if the writer dies there.

Leftovers of a killed write are hidden siblings (``.<name>.<pid>.<random>.tmp``,
``.<name>.old``): readers that list folders skip names starting with ``.``, and
the next write to the same target removes those whose writer process is gone.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

RENAME_EXCHANGE = 2
AT_FDCWD = -100
# The process's own symbols include the C library's (no ctypes.util.find_library: it
# runs a subprocess at import).
_libc = ctypes.CDLL(None, use_errno=True)
_renameat2 = getattr(_libc, "renameat2", None)


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once at import: os.umask can only be read by setting it, which is not thread-safe.
_UMASK = _read_umask()


def _exchange(first: Path, second: Path) -> None:
    """Swap two paths in one atomic step; OSError(EINVAL/ENOSYS) where unsupported."""
    if _renameat2 is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available")
    result = _renameat2(
        AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE
    )
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(first), None, str(second))


def fsync_path(path: Path) -> None:
    """Flush a file's or folder's content and entry table to disk."""
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for folder, _, files in os.walk(root):
        for name in files:
            fsync_path(Path(folder) / name)
        fsync_path(Path(folder))


def _tmp_prefix(path: Path) -> str:
    return f".{path.name}.{os.getpid()}."


def _writer_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # another thread of this process may be writing
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def leftovers(path: str | Path) -> list[Path]:
    """Hidden siblings of ``path`` left by writes whose process is gone."""
    path = Path(path)
    if not path.parent.is_dir():
        return []
    found = []
    for sibling in path.parent.glob(f".{path.name}.*"):
        rest = sibling.name[len(path.name) + 2 :]
        if rest == "old":
            found.append(sibling)
            continue
        pid, _, _ = rest.partition(".")
        if sibling.name.endswith(".tmp") and pid.isdigit() and not _writer_alive(int(pid)):
            found.append(sibling)
    return found


def recover(path: str | Path) -> None:
    """Undo a folder swap interrupted in the fallback's window, then remove leftovers."""
    path = Path(path)
    old = path.with_name(f".{path.name}.old")
    if not path.exists() and old.is_dir():
        os.replace(old, path)  # the old folder was complete: it is the current one
    for sibling in leftovers(path):
        if sibling.is_dir() and not sibling.is_symlink():
            shutil.rmtree(sibling, ignore_errors=True)
        else:
            sibling.unlink(missing_ok=True)


@contextmanager
def atomic_file(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; flush and rename it onto ``path`` on success.

    On any exception the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    recover(path)
    fd, tmp_name = tempfile.mkstemp(prefix=_tmp_prefix(path), suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    # mkstemp makes owner-only files; give the result the permissions open() would.
    tmp.chmod(0o666 & ~_UMASK)
    try:
        yield tmp
        fsync_path(tmp)
        try:
            os.replace(tmp, path)
        except IsADirectoryError:
            raise folder_in_the_way(path) from None
        fsync_path(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def atomic_directory(path: str | Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; swap it in for ``path`` on success.

    On any exception the temporary folder is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    recover(path)
    tmp = Path(tempfile.mkdtemp(prefix=_tmp_prefix(path), suffix=".tmp", dir=path.parent))
    tmp.chmod(0o777 & ~_UMASK)  # as mkdir() would, not mkdtemp's owner-only
    try:
        yield tmp
        _fsync_tree(tmp)
        if not path.exists():
            os.replace(tmp, path)
        else:
            try:
                _exchange(tmp, path)  # tmp now holds the old folder, removed below
            except OSError as error:
                if error.errno not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
                    raise
                old = path.with_name(f".{path.name}.old")
                os.replace(path, old)
                os.replace(tmp, path)
                shutil.rmtree(old, ignore_errors=True)
        fsync_path(path.parent)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def folder_in_the_way(path: str | Path) -> IsADirectoryError:
    """The error for a folder where a file is to be written (the CLI: one line, exit 1)."""
    return IsADirectoryError(
        errno.EISDIR, "is a folder; expected the path of a file to write", str(path)
    )
