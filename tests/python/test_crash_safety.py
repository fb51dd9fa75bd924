"""Kill a save at every rename: what is left is the old complete result or the new one.

Each run forks a child that counts the renames of one save (``os.replace``,
``os.rename`` and the folder exchange of :mod:`anomalia.atomic`) and dies
with ``os._exit`` just before, or just after, the k-th one, for every k. The
parent then reads what is on disk as a user would: ``anomalia detect`` over
the models, the scores file, a fresh registry. A last save must then succeed
and leave no leftovers.
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from anomalia import atomic
from anomalia.cli.main import main
from anomalia.contract import read_scores, write_observations
from anomalia.modelset import ModelSet
from anomalia.timings import read_timings, timings_path

KILLED = 77


def _observations(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    start = pd.Timestamp("2026-01-01", tz="UTC")
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "series_id": name,
                    "timestamp": start + pd.Timedelta("5min") * np.arange(n),
                    "value": rng.normal(size=n) + offset,
                }
            )
            for offset, name in enumerate(("a", "b"))
        ],
        ignore_index=True,
    )


def _install_killer(kill_at: int, after: bool, count_file: Path) -> None:
    calls = 0

    def wrap(function: Callable) -> Callable:
        def renaming(*args, **kwargs):
            nonlocal calls
            calls += 1
            count_file.write_text(str(calls))
            if calls == kill_at and not after:
                os._exit(KILLED)
            result = function(*args, **kwargs)
            if calls == kill_at and after:
                os._exit(KILLED)
            return result

        return renaming

    os.replace = wrap(os.replace)
    os.rename = wrap(os.rename)
    atomic._exchange = wrap(atomic._exchange)


def run_killed(action: Callable[[], object], kill_at: int, after: bool, tmp: Path) -> int:
    """Run ``action`` in a forked child killed at rename ``kill_at``; return renames seen."""
    count_file = tmp / f"renames-{kill_at}-{after}"
    count_file.write_text("0")
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            _install_killer(kill_at, after, count_file)
            action()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    assert code in (0, KILLED), f"the save failed on its own (exit {code})"
    return int(count_file.read_text())


def every_kill(action, check, tmp: Path, state: Path) -> int:
    """Kill ``action`` before and after each of its renames, ``check`` the disk each time.

    ``state`` (the folder the action writes) is put back as it was before every
    run, so that each kill interrupts a real change from old to new.
    """
    snapshot = tmp / "snapshot"
    shutil.copytree(state, snapshot, symlinks=True)

    def restore() -> None:
        shutil.rmtree(state)
        shutil.copytree(snapshot, state, symlinks=True)

    renames = run_killed(action, 10**6, False, tmp)
    print(f"{renames} renames, {2 * renames} kills")
    assert renames >= 1
    check("after a full run")
    for kill_at in range(1, renames + 1):
        for after in (False, True):
            restore()
            run_killed(action, kill_at, after, tmp)
            check(f"killed {'after' if after else 'before'} rename {kill_at} of {renames}")
    shutil.rmtree(snapshot)
    return renames


def visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_observations(_observations(), tmp_path / "obs.parquet")
    return tmp_path


def test_train_killed_at_any_rename_leaves_old_or_new_models(workspace):
    models = workspace / "models"
    train = ["train", "--data", "obs.parquet", "--models", str(models), "--quiet"]
    detectors = ["--detector", "zscore", "--detector", "mad"]
    assert main([*train, *detectors, "--train-fraction", "0.5"]) == 0
    old_new = {150, 240}  # n_train per series before (0.5) and after (0.8)
    seen = set()

    def check(when: str) -> None:
        assert visible(models) == ["mad", "zscore"], when
        for name in ("mad", "zscore"):
            manifest = ModelSet.load(models / name)
            n_train = {member.n_train for member in manifest.members_.values()}
            assert len(n_train) == 1 and n_train <= old_new, f"{name} {when}: {n_train}"
            seen.update(n_train)

    renames = every_kill(
        lambda: main([*train, *detectors, "--train-fraction", "0.8"]), check, workspace, models
    )
    assert seen == old_new  # kills fell before and after the swaps
    assert renames >= 2  # one swap per detector at least
    # The last kill came after the last rename: its leftovers are still there, and ignored.
    assert len(list(models.iterdir())) > 2
    out = str(workspace / "scores.parquet")
    assert main(["detect", "--data", "obs.parquet", "--models", str(models), "--out", out]) == 0
    assert main([*train, *detectors, "--train-fraction", "0.8"]) == 0
    assert sorted(p.name for p in models.iterdir()) == ["mad", "zscore"]  # leftovers cleaned


def test_detect_killed_at_any_rename_leaves_old_or_new_scores(workspace):
    models = str(workspace / "models")
    main(["train", "--data", "obs.parquet", "--models", models, "--quiet",
          "--detector", "zscore", "--detector", "mad"])  # fmt: skip
    out = workspace / "out" / "scores.parquet"
    detect = ["detect", "--data", "obs.parquet", "--models", models, "--out", str(out), "--quiet"]
    assert main([*detect, "--detector", "zscore"]) == 0

    mismatched = []

    def check(when: str) -> None:
        detectors = set(read_scores(out)["detector"])
        assert detectors in ({"zscore"}, {"zscore", "mad"}), when
        # The timings belong to the scores beside them, or are refused as another run's.
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            timings = read_timings(timings_path(out), out)
        if timings is None:
            mismatched.append(when)
        else:
            assert set(timings["detector"]) == detectors, when

    every_kill(lambda: main(detect), check, workspace, out.parent)
    # Between the two renames: new scores, old timings, which are refused as another run's.
    assert mismatched == ["killed after rename 1 of 2", "killed before rename 2 of 2"]
    assert main(detect) == 0
    assert visible(out.parent) == sorted(p.name for p in out.parent.iterdir())


def test_registry_killed_at_any_rename_keeps_a_serving_model(workspace):
    from anomalia.service.registry import ModelRegistry

    models = workspace / "models"
    for fraction, name in ((0.5, "v1"), (0.8, "v2")):
        train = ["train", "--data", "obs.parquet", "--models", str(models / name), "--quiet"]
        assert main([*train, "--detector", "zscore", "--train-fraction", str(fraction)]) == 0
    root = workspace / "registry"
    ModelRegistry(root, workspace).register("m", models / "v1" / "zscore")

    seen = set()

    def check(when: str) -> None:
        registry = ModelRegistry(root, workspace)
        registry.load_serving()
        assert registry.failures == {}, when
        serving = registry.serving()["m"]
        assert registry.versions("m") in ([1], [1, 2]), when
        assert serving in registry.versions("m"), when
        registry.model("m")  # loads
        seen.add(serving)

    every_kill(
        lambda: ModelRegistry(root, workspace).register("m", models / "v2" / "zscore"),
        check,
        workspace,
        root,
    )
    assert seen == {1, 2}
    registry = ModelRegistry(root, workspace)
    assert registry.register("m", models / "v2" / "zscore") == 2
    assert sorted(p.name for p in (root / "m").iterdir()) == ["1", "2", "registry.json"]
