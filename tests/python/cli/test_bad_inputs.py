"""The CLI's bad-input suite: each bad input gets one clear line and changes nothing.

For every case: the exit status (1 data error, 2 usage or configuration
error), one line on stderr naming the file, column or row and what was
expected, no traceback, no file written or left half-written, and the
earlier outputs (data, models, scores, metrics) byte for byte intact.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from anomalia.cli.main import main
from anomalia.contract import write_observations

DATA = "data/raw/obs.parquet"


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A workspace with data, a trained zscore model set, scores and metrics."""
    root = tmp_path_factory.mktemp("bad-inputs")
    config = {
        "synthetic": {"n_series": 2, "length": 400, "freq": "5min", "seed": 5},
        "train": {"detectors": ["zscore"], "train_fraction": 0.5, "params": {}},
        "paths": {
            "data": DATA,
            "events": "data/raw/events.parquet",
            "models": "models",
            "scores": "data/scores.parquet",
            "metrics": "reports/metrics.csv",
            "report": "reports/demo",
        },
    }
    (root / "configs").mkdir()
    (root / "configs" / "default.yaml").write_text(yaml.safe_dump(config))
    cwd = Path.cwd()
    try:
        import os

        os.chdir(root)
        for command in (["generate"], ["train"], ["detect"], ["evaluate"]):
            assert main([*command, "--quiet"]) == 0, command
    finally:
        os.chdir(cwd)
    return root


def _observations(root: Path) -> pd.DataFrame:
    return pd.read_parquet(root / DATA)


def _csv(root: Path, name: str, text: str) -> None:
    (root / name).write_text(text)


def _contract_csv(root: Path, name: str, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    frame = _observations(root) if frame is None else frame
    write_observations(frame, root / name)
    return frame


def _no_label(root: Path) -> None:
    write_observations(_observations(root).drop(columns="label"), root / "nolabel.parquet")


def _late_labels(root: Path) -> None:
    frame = _observations(root)
    position = frame.groupby("series_id").cumcount().to_numpy()
    frame["label"] = (position == 350).astype(np.int8)
    write_observations(frame, root / "late.parquet")


def _zero_labels(root: Path) -> None:
    write_observations(_observations(root).assign(label=0), root / "zeros.parquet")


def _two_files_one_series(root: Path) -> None:
    frame = _observations(root)
    first = frame[frame["series_id"] == frame["series_id"].iloc[0]]
    write_observations(first, root / "a.parquet")
    write_observations(first, root / "b.parquet")


def _two_files_other_columns(root: Path) -> None:
    frame = _observations(root)
    ids = frame["series_id"].unique()
    write_observations(frame[frame["series_id"] == ids[0]], root / "a.parquet")
    other = frame[frame["series_id"] == ids[1]].rename(columns={"value": "load"})
    write_observations(other, root / "c.parquet")


def _renamed_value(root: Path) -> None:
    write_observations(_observations(root).rename(columns={"value": "load"}), root / "load.parquet")


def _unseen_series(root: Path) -> None:
    frame = _observations(root)
    first = frame[frame["series_id"] == frame["series_id"].iloc[0]]
    write_observations(first.assign(series_id="zzz-unseen"), root / "unseen.parquet")


def _corrupt_manifest(root: Path) -> None:
    (root / "models" / "zscore" / "manifest.json").write_text('{"detector": "zscore",')


def _garbage(name: str) -> Callable[[Path], None]:
    return lambda root: (root / name).write_bytes(b"this is not parquet at all")


def _write(name: str, text: str) -> Callable[[Path], None]:
    return lambda root: _csv(root, name, text)


def _yaml(name: str, content: object) -> Callable[[Path], None]:
    return lambda root: (root / name).write_text(yaml.safe_dump(content))


def _several(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def run(root: Path) -> None:
        for step in steps:
            step(root)

    return run


GOOD_CSV = "timestamp,value\n2024-01-01 00:00,1\n2024-01-01 00:05,2\n2024-01-01 00:10,3\n"
EVENTS_HEADER = "series_id,start,end\n"


@dataclass(frozen=True)
class Case:
    """One bad input: the command line, what to prepare, exit status and words expected."""

    name: str
    argv: list[str]
    status: int
    expected: list[str]
    setup: Callable[[Path], None] | None = None
    changes: list[str] = field(default_factory=list)


CASES = [
    # ---- input files and patterns
    Case(
        "missing data file",
        ["train", "--data", "missing.parquet"],
        1,
        ["missing.parquet", "no such file"],
    ),
    Case(
        "glob matching nothing",
        ["train", "--data", "nothing/*.csv"],
        1,
        ["nothing/*.csv", "no file matches"],
    ),
    Case(
        "folder without data files",
        ["train", "--data", "empty"],
        1,
        ["empty", "no data files", ".parquet"],
        lambda root: (root / "empty").mkdir(),
    ),
    Case(
        "corrupt parquet",
        ["train", "--data", "junk.parquet"],
        1,
        ["junk.parquet", "not a readable parquet"],
        _garbage("junk.parquet"),
    ),
    Case(
        "empty CSV",
        ["train", "--data", "empty.csv"],
        1,
        ["empty.csv", "empty"],
        _write("empty.csv", ""),
    ),
    Case(
        "CSV with a header only",
        ["train", "--data", "head.csv"],
        1,
        ["head.csv", "no rows"],
        _write("head.csv", "timestamp,value\n"),
    ),
    Case(
        "CSV with text in a value column",
        ["train", "--data", "text.csv"],
        1,
        ["text.csv", "column `value`", "row 3", "expected a number", "'high'"],
        _write(
            "text.csv",
            "timestamp,value\n2024-01-01 00:00,1\n2024-01-01 00:05,2\n2024-01-01 00:10,high\n",
        ),
    ),
    Case(
        "CSV with a bad timestamp",
        ["detect", "--data", "when.csv"],
        1,
        ["when.csv", "column `timestamp`", "row 2", "ISO 8601", "'yesterday'"],
        _write("when.csv", "timestamp,value\n2024-01-01 00:00,1\nyesterday,2\n"),
    ),
    Case(
        "CSV without the timestamp column",
        ["train", "--data", "good.csv", "--timestamp-column", "time"],
        1,
        ["good.csv", "missing column `time`", "--timestamp-column"],
        _write("good.csv", GOOD_CSV),
    ),
    Case(
        "CSV with a repeated timestamp",
        ["ingest", "dup.csv", "--out", "out.parquet"],
        1,
        ["dup.csv", "column `timestamp`", "row 2", "duplicate timestamp"],
        _write("dup.csv", "timestamp,value\n2024-01-01 00:00,1\n2024-01-01 00:00,2\n"),
    ),
    Case(
        "CSV mixing timezones",
        ["ingest", "tz.csv", "--out", "out.parquet"],
        1,
        ["tz.csv", "mixed timezones", "row 1", "row 2"],
        _write("tz.csv", "timestamp,value\n2024-01-01 00:00,1\n2024-01-01 00:05+02:00,2\n"),
    ),
    Case(
        "CSV with an infinite value",
        ["ingest", "inf.csv", "--out", "out.parquet"],
        1,
        ["inf.csv", "column `value`", "row 2", "finite"],
        _write("inf.csv", "timestamp,value\n2024-01-01 00:00,1\n2024-01-01 00:05,inf\n"),
    ),
    Case(
        "one series in two files",
        ["train", "--data", "a.parquet", "--data", "b.parquet"],
        1,
        ["b.parquet", "also in a.parquet", "one file"],
        _two_files_one_series,
    ),
    Case(
        "one bad file among several",
        ["ingest", "good.csv", "text.csv", "--out", "out.parquet"],
        1,
        ["text.csv", "column `value`", "row 3", "expected a number"],
        _several(
            _write("good.csv", GOOD_CSV),
            _write(
                "text.csv",
                "timestamp,value\n2024-01-01 00:00,1\n2024-01-01 00:05,2\n2024-01-01 00:10,x\n",
            ),
        ),
    ),
    Case(
        "files with different columns",
        ["train", "--data", "a.parquet", "--data", "c.parquet"],
        1,
        ["c.parquet", "differ", "a.parquet"],
        _two_files_other_columns,
    ),
    Case(
        "parquet read as CSV",
        ["ingest", "good.csv", "--format", "parquet", "--out", "out.parquet"],
        1,
        ["good.csv", "not a readable parquet"],
        _write("good.csv", GOOD_CSV),
    ),
    Case(
        "broken NAB labels file",
        ["ingest", "good.csv", "--nab-labels", "windows.json", "--out", "out.parquet"],
        1,
        ["windows.json", "not a readable NAB labels file"],
        _several(_write("good.csv", GOOD_CSV), _write("windows.json", "{not json")),
    ),
    # ---- labels given as an events CSV
    Case(
        "events CSV without `end`",
        ["train", "--labels", "events.csv"],
        1,
        ["events.csv", "missing column `end`", "series_id,start,end"],
        _write("events.csv", "series_id,start\ns00-cpu,2024-01-01\n"),
    ),
    Case(
        "events CSV with end before start",
        ["evaluate", "--labels", "events.csv"],
        1,
        ["events.csv", "column `end`", "row 2", "at or after `start`"],
        _write(
            "events.csv",
            EVENTS_HEADER
            + "a,2024-01-01 00:00,2024-01-01 01:00\nb,2024-01-02 00:00,2024-01-01 00:00\n",
        ),
    ),
    Case(
        "events CSV with a bad time",
        ["train", "--labels", "events.csv"],
        1,
        ["events.csv", "column `start`", "row 1", "'soon'"],
        _write("events.csv", EVENTS_HEADER + "a,soon,2024-01-01 00:00\n"),
    ),
    Case(
        "missing events CSV",
        ["evaluate", "--labels", "none.csv"],
        1,
        ["none.csv", "no such events file"],
    ),
    # ---- configuration and parameters: refused before any data is read
    Case(
        "unknown detector",
        ["train", "--detector", "zscre"],
        2,
        ["unknown detector `zscre`", "did you mean `zscore`"],
    ),
    Case(
        "unknown parameter",
        ["train", "--detector", "iforest", "--param", "n_trees=5"],
        2,
        ["`iforest`", "no parameter `n_trees`", "did you mean `n_estimators`"],
    ),
    Case(
        "text for an integer parameter",
        ["train", "--detector", "zscore", "--param", "window=abc"],
        2,
        ["`window` must be an integer >= 2", "'abc'"],
    ),
    Case(
        "parameter out of range",
        ["train", "--detector", "mad", "--param", "window=1"],
        2,
        ["`mad`", "`window` must be an integer >= 2, got 1"],
    ),
    Case(
        "parameter without a value",
        ["train", "--param", "window"],
        2,
        ["--param expects KEY=VALUE", "'window'"],
    ),
    Case(
        "unknown threshold",
        ["train", "--threshold", "quantle"],
        2,
        ["quantle", "did you mean `quantile`"],
    ),
    Case(
        "contamination out of range",
        ["train", "--contamination", "0.7"],
        2,
        ["`contamination` must be a number in (0, 0.5), got 0.7"],
    ),
    Case(
        "train fraction out of range",
        ["train", "--train-fraction", "1.5"],
        2,
        ["--train-fraction", "(0, 1]", "1.5"],
    ),
    Case(
        "train fraction not a number",
        ["train", "--train-fraction", "half"],
        2,
        ["--train-fraction", "invalid float value: 'half'"],
    ),
    Case(
        "bad parameter in the configuration file",
        ["train", "--config", "bad.yaml"],
        2,
        ["bad.yaml", "`train.params`", "`mad`", "`window` must be an integer >= 2, got 1"],
        _yaml("bad.yaml", {"train": {"detectors": ["mad"], "params": {"mad": {"window": 1}}}}),
    ),
    Case(
        "misspelt section of the configuration file",
        ["train", "--config", "typo.yaml"],
        2,
        ["typo.yaml", "`trian`", "not permitted (did you mean `train`?)", "one of: data,"],
        _yaml("typo.yaml", {"trian": {"detectors": ["zscore"]}}),
    ),
    Case(
        "configuration file that is not YAML",
        ["detect", "--config", "broken.yaml"],
        2,
        ["broken.yaml", "not valid YAML"],
        _write("broken.yaml", "train: [zscore\n"),
    ),
    Case(
        "missing parameters file",
        ["train", "--detector", "zscore", "--params", "p.yaml"],
        2,
        ["p.yaml", "no such parameters file"],
    ),
    Case(
        "unknown detector for --params",
        ["detectors", "--params", "forest"],
        2,
        ["unknown detector `forest`", "choose one of"],
    ),
    # ---- preconditions of supervised training
    Case(
        "supervised detector without labels",
        ["train", "--detector", "random_forest", "--data", "nolabel.parquet"],
        1,
        ["random_forest", "no `label` column", "--labels"],
        _no_label,
    ),
    Case(
        "supervised detector without labels in the training part",
        ["train", "--detector", "random_forest", "--data", "late.parquet"],
        1,
        ["random_forest", "first 50%", "series `", "--train-fraction to 0.89"],
        _late_labels,
    ),
    # ---- outputs
    Case(
        "unknown --out extension for scores",
        ["detect", "--out", "scores.txt"],
        2,
        ["scores.txt", ".parquet, .pq, .csv"],
    ),
    Case(
        "unknown --events extension for generate",
        ["generate", "--events", "events.txt"],
        2,
        ["--events events.txt", "expected one of .parquet, .pq, .csv"],
    ),
    Case(
        "unknown --out extension for ingest",
        ["ingest", "good.csv", "--out", "obs.json"],
        2,
        ["obs.json", ".json", "expected one of"],
        _write("good.csv", GOOD_CSV),
    ),
    Case(
        "--out without an extension for metrics",
        ["evaluate", "--out", "metrics"],
        2,
        ["metrics", "(none)"],
    ),
    # ---- models
    Case(
        "no trained models",
        ["detect", "--models", "nothing"],
        2,
        ["nothing", "no trained models", "anomalia train"],
    ),
    Case(
        "detector never trained",
        ["detect", "--detector", "mad"],
        1,
        ["models/mad", "no manifest.json", "anomalia train"],
    ),
    Case(
        "corrupt manifest.json",
        ["detect"],
        1,
        ["models/zscore/manifest.json", "not readable JSON"],
        _corrupt_manifest,
    ),
    Case(
        "data without the trained value column",
        ["detect", "--data", "load.parquet"],
        1,
        ["value column `value`", "zscore"],
        _renamed_value,
    ),
    Case(
        "series without a model",
        ["detect", "--data", "unseen.parquet"],
        1,
        ["series `zzz-unseen`", "no trained `zscore` model"],
        _unseen_series,
    ),
    Case(
        "budget that is not positive",
        ["detect", "--alerts-per-day", "-1"],
        2,
        ["--alerts-per-day", "expected a positive number, got '-1'"],
    ),
    # ---- evaluation and report
    Case(
        "evaluation without labels",
        ["evaluate", "--data", "nolabel.parquet"],
        1,
        ["no `label` column", "--label-column"],
        _no_label,
    ),
    Case(
        "evaluation whose judged rows hold no labelled anomaly",
        ["evaluate", "--data", "zeros.parquet", "--models", "models"],
        1,
        ["rows after the training part", "no point labelled 1", "--train-fraction"],
        _zero_labels,
    ),
    Case(
        "corrupt scores file",
        ["evaluate", "--scores", "junk.parquet"],
        1,
        ["junk.parquet", "not a readable parquet"],
        _garbage("junk.parquet"),
    ),
    Case(
        "scores CSV with a flag that is not true or false",
        ["evaluate", "--scores", "scores.csv"],
        1,
        ["scores.csv", "column `is_anomaly`", "expected true/false"],
        _write(
            "scores.csv",
            "series_id,timestamp,detector,score,threshold,is_anomaly\n"
            "a,2024-01-01T00:00:00+00:00,zscore,1.0,2.0,maybe\n",
        ),
    ),
    Case(
        "missing metrics for the report",
        ["report", "--metrics", "none.csv"],
        1,
        ["none.csv", "no such file", "anomalia evaluate"],
    ),
    Case(
        "missing events for the report",
        ["report", "--events", "none.parquet"],
        1,
        ["none.parquet", "no such events file"],
    ),
    Case(
        "report of no series",
        ["report", "--max-series", "0"],
        2,
        ["`max_series` must be an integer"],
    ),
]


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_the_suite_holds_at_least_thirty_distinct_bad_inputs():
    assert len({case.name for case in CASES}) == len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_is_refused_clearly_and_changes_nothing(
    case, base, tmp_path, monkeypatch, capsys
):
    root = tmp_path / "work"
    shutil.copytree(base, root)
    monkeypatch.chdir(root)
    if case.setup is not None:
        case.setup(root)
    before = _snapshot(root)
    try:
        status = main([*case.argv, "--quiet"])
    except SystemExit as exit_:  # argparse's own usage errors
        status = exit_.code
    err = capsys.readouterr().err
    assert status == case.status, err
    assert "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert "error:" in line
    for expected in case.expected:
        assert expected in line, f"{expected!r} not in {line!r}"
    # Nothing written, nothing left half-written, earlier outputs intact.
    assert _snapshot(root) == before


def test_a_damaged_manifest_is_named_by_evaluate_too(base, tmp_path, monkeypatch, capsys):
    root = tmp_path / "work"
    shutil.copytree(base, root)
    monkeypatch.chdir(root)
    _corrupt_manifest(root)
    assert main(["evaluate", "--models", "models", "--quiet"]) == 1
    assert "models/zscore/manifest.json: not readable JSON" in capsys.readouterr().err
    assert json.loads((root / "models" / "zscore" / "series-0000" / "config.json").read_text())
