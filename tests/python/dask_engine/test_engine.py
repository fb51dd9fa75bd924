"""``--engine dask`` gives the local engine's model sets and scores, on a real LocalCluster.

(The folder is not named ``distributed``: pytest puts ``tests/python`` on the
import path, where that name would hide the ``distributed`` package.)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from anomalia.cli.main import main
from anomalia.contract import read_scores, write_observations
from anomalia.distributed.detect import detect_on_cluster
from anomalia.distributed.partitions import from_dataset, from_frame, read_parts
from anomalia.distributed.train import fit_on_cluster
from anomalia.exceptions import DataError
from anomalia.modelset import ModelSet

from .conftest import make_observations

TIMINGS = ("fit_seconds", "created")
SPECS = [("zscore", {}), ("iforest", {"random_state": 0, "n_estimators": 20})]


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != "manifest.json"
    }


def _manifest(folder: Path) -> dict:
    manifest = json.loads((folder / "manifest.json").read_text())
    return {key: value for key, value in manifest.items() if key not in TIMINGS}


@pytest.fixture(scope="module")
def observations() -> pd.DataFrame:
    return make_observations(n_series=5, length=600)


@pytest.mark.parametrize(("name", "params"), SPECS)
def test_train_on_the_cluster_saves_the_local_model_set(
    client, observations, tmp_path, name, params
):
    local = ModelSet(name, params).fit(observations, train_fraction=0.5, progress=False)
    local.save(tmp_path / "local")
    partitions = from_frame(observations, 3)
    assert len(partitions) == 3
    remote = fit_on_cluster(client, ModelSet(name, params), partitions, train_fraction=0.5)
    remote.save(tmp_path / "dask")
    assert _manifest(tmp_path / "dask") == _manifest(tmp_path / "local")
    assert _tree(tmp_path / "dask") == _tree(tmp_path / "local")
    # Scores of the reloaded sets agree too.
    reloaded = [ModelSet.load(tmp_path / which) for which in ("local", "dask")]
    first, second = (model_set.score(observations, progress=False) for model_set in reloaded)
    pd.testing.assert_frame_equal(first, second)


def test_detect_on_the_cluster_writes_the_local_scores(client, observations, tmp_path):
    model_set = ModelSet("zscore").fit(observations, train_fraction=0.5, progress=False)
    model_set.save(tmp_path / "zscore")
    expected = model_set.score(observations, progress=False)
    results = detect_on_cluster(
        client, tmp_path / "zscore", from_frame(observations, 2), tmp_path / "out"
    )
    assert [result.index for result in results] == [0, 1]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "part-00000.parquet",
        "part-00001.parquet",
    ]
    pd.testing.assert_frame_equal(read_parts(tmp_path / "out"), expected, check_dtype=False)
    assert sum(result.n_rows for result in results) == len(expected)


def test_a_hive_dataset_is_read_by_partition_and_reruns_never_duplicate(
    client, observations, tmp_path
):
    ds.write_dataset(
        pa.Table.from_pandas(observations, preserve_index=False),
        tmp_path / "data",
        format="parquet",
        partitioning=["series_id"],
        partitioning_flavor="hive",
    )
    partitions = from_dataset(tmp_path / "data")
    assert len(partitions) == 5 and all(len(part.files) == 1 for part in partitions)
    model_set = ModelSet("zscore").fit(observations, train_fraction=0.5, progress=False)
    model_set.save(tmp_path / "zscore")
    expected = model_set.score(observations, progress=False)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "part-00099.parquet").write_bytes(b"left by an older, bigger run")
    for _ in range(2):  # the second run replaces every file of the first
        detect_on_cluster(client, tmp_path / "zscore", partitions, tmp_path / "out")
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == [f"part-{index:05d}.parquet" for index in range(5)]
    pd.testing.assert_frame_equal(read_parts(tmp_path / "out"), expected, check_dtype=False)


def test_a_long_series_is_scored_in_time_chunks_as_whole(client, tmp_path):
    observations = make_observations(n_series=1, length=1500, seed=3)
    observations = observations.drop(index=[700, 701, 702])  # a gap across chunk borders
    spot = {"method": "spot", "risk": 1e-3, "initial_quantile": 0.9}
    model_set = ModelSet("zscore", threshold=spot)
    model_set.fit(observations, train_fraction=0.3, progress=False)
    model_set.save(tmp_path / "zscore")
    expected = model_set.score(observations, progress=False)
    partitions = from_frame(observations, 1, long_rows=200)
    (result,) = detect_on_cluster(
        client, tmp_path / "zscore", partitions, tmp_path / "out", chunk_rows=200
    )
    assert result.n_chunks == 8  # 1497 rows, each chunk's task fed by the state of the last
    scored = read_parts(tmp_path / "out")
    np.testing.assert_allclose(scored["score"], expected["score"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(scored["threshold"], expected["threshold"], rtol=1e-6)
    assert (scored["is_anomaly"].to_numpy() == expected["is_anomaly"].to_numpy()).all()
    assert expected["is_anomaly"].any()


def test_long_series_get_partitions_of_their_own_in_input_order():
    short = make_observations(n_series=4, length=50)
    long = make_observations(n_series=1, length=500).assign(series_id="long")
    frame = pd.concat([short.iloc[:100], long, short.iloc[100:]], ignore_index=True)
    partitions = from_frame(frame, 2, long_rows=200)
    series = [list(part.rows["series_id"].unique()) for part in partitions]
    assert series == [["s00", "s01"], ["long"], ["s02", "s03"]]
    assert [part.index for part in partitions] == [0, 1, 2]


def test_a_series_split_over_two_files_is_refused(client, observations, tmp_path):
    (tmp_path / "data").mkdir()
    first = observations[observations["series_id"] == "s00"]
    for index, half in enumerate([first.iloc[:300], first.iloc[300:]]):
        half.to_parquet(tmp_path / "data" / f"part-{index}.parquet", index=False)
    model_set = ModelSet("zscore").fit(observations, train_fraction=0.5, progress=False)
    model_set.save(tmp_path / "zscore")
    with pytest.raises(DataError, match=r"series `s00` is also in .*part-0\.parquet"):
        detect_on_cluster(
            client, tmp_path / "zscore", from_dataset(tmp_path / "data"), tmp_path / "out"
        )


def test_cli_train_and_detect_with_engine_dask_match_the_local_engine(
    client, observations, tmp_path
):
    data = write_observations(observations, tmp_path / "obs.parquet")
    scheduler = client.scheduler.address
    common = ["--data", str(data), "--detector", "zscore", "--quiet", "--no-track"]
    assert main(["train", *common, "--models", str(tmp_path / "local")]) == 0
    assert main(["train", *common, "--models", str(tmp_path / "dask"),
                 "--engine", "dask", "--scheduler", scheduler]) == 0  # fmt: skip
    assert _manifest(tmp_path / "dask" / "zscore") == _manifest(tmp_path / "local" / "zscore")
    assert _tree(tmp_path / "dask") == _tree(tmp_path / "local")
    detect = ["detect", "--data", str(data), "--models", str(tmp_path / "dask"), "--quiet"]
    assert main([*detect, "--out", str(tmp_path / "local.parquet")]) == 0
    out = tmp_path / "scores"
    assert main([*detect, "--out", str(out), "--engine", "dask", "--scheduler", scheduler,
                 "--partitions", "2"]) == 0  # fmt: skip
    assert len(list((out / "zscore").glob("part-*.parquet"))) == 2
    pd.testing.assert_frame_equal(
        read_scores(tmp_path / "local.parquet"), read_parts(out / "zscore"), check_dtype=False
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["detect", "--scheduler", "tcp://127.0.0.1:1"], "--scheduler applies only with"),
        (["detect", "--engine", "dask", "--out", "x.parquet"], "name a folder"),
        (["detect", "--engine", "dask", "--scheduler", "127.0.0.1:8786"], "tcp://HOST:8786"),
        (["train", "--engine", "dask", "--workers", "0"], "--workers must be an integer"),
    ],
)
def test_engine_options_are_checked_before_any_work(argv, message, capsys, tmp_path):
    (tmp_path / "m" / "zscore").mkdir(parents=True)
    (tmp_path / "m" / "zscore" / "manifest.json").write_text("{}")
    assert main([*argv, "--models", str(tmp_path / "m")]) == 2
    assert message in capsys.readouterr().err


def test_an_alert_budget_is_applied_in_every_task(client, observations, tmp_path):
    model_set = ModelSet("zscore").fit(observations, train_fraction=0.5, progress=False)
    model_set.save(tmp_path / "zscore")
    budget = {"method": "budget", "alerts_per_1000": 2}
    expected = ModelSet.load(tmp_path / "zscore").rethreshold(budget)
    expected = expected.score(observations, progress=False)
    detect_on_cluster(
        client, tmp_path / "zscore", from_frame(observations, 2), tmp_path / "out", budget=budget
    )
    scored = read_parts(tmp_path / "out")
    pd.testing.assert_frame_equal(scored, expected, check_dtype=False)
    assert not np.allclose(scored["threshold"], model_set.score(observations)["threshold"])
