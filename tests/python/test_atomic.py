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


def test_a_folder_in_the_way_is_named_without_the_temporary_file(tmp_path):
    (tmp_path / "out").mkdir()
    with pytest.raises(IsADirectoryError) as caught:
        with atomic_file(tmp_path / "out") as tmp:
            tmp.write_text("x")
    assert caught.value.filename == str(tmp_path / "out")
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_leftovers_of_dead_writers_are_removed_by_the_next_write(tmp_path):
    target = tmp_path / "model"
    dead = tmp_path / ".model.999999999.abc.tmp"  # no such process
    dead.mkdir()
    old = tmp_path / ".model.old"  # the fallback's window: the old folder moved aside
    old.mkdir()
    (old / "a").write_text("old")
    with atomic_directory(target) as tmp:
        assert (target / "a").read_text() == "old"  # put back before anything else
        (tmp / "a").write_text("new")
    assert (target / "a").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_folder_swap_without_exchange_support_falls_back(tmp_path, monkeypatch):
    import errno

    from anomalia import atomic

    def unsupported(first, second):
        raise OSError(errno.EINVAL, "not supported")

    monkeypatch.setattr(atomic, "_exchange", unsupported)
    target = tmp_path / "model"
    for content in ("old", "new"):
        with atomic_directory(target) as tmp:
            (tmp / "a").write_text(content)
    assert (target / "a").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
