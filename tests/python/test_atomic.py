"""A failed write leaves the earlier output untouched and no debris behind."""

import pytest

from anomalia.atomic import atomic_directory, atomic_file


def test_failed_file_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_file(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_file_write_replaces_on_success(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    with atomic_file(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new"


def test_failed_directory_write_keeps_the_old_directory(tmp_path):
    target = tmp_path / "model"
    target.mkdir()
    (target / "a").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_directory(target) as tmp:
            (tmp / "a").write_text("new")
            raise RuntimeError("interrupted")
    assert (target / "a").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_directory_write_swaps_whole_folder(tmp_path):
    target = tmp_path / "model"
    target.mkdir()
    (target / "stale").write_text("x")
    with atomic_directory(target) as tmp:
        (tmp / "fresh").write_text("y")
    assert sorted(p.name for p in target.iterdir()) == ["fresh"]
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_written_files_get_ordinary_permissions(tmp_path):
    import os

    mask = os.umask(0o022)
    os.umask(mask)
    with atomic_file(tmp_path / "f") as tmp:
        tmp.write_text("x")
    with atomic_directory(tmp_path / "d"):
        pass
    assert (tmp_path / "f").stat().st_mode & 0o777 == 0o666 & ~mask
    assert (tmp_path / "d").stat().st_mode & 0o777 == 0o777 & ~mask
