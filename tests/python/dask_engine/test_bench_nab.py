"""``anomalia bench nab --engine dask``: one task per series on the cluster, same results."""

from __future__ import annotations

import pandas as pd

from anomalia.bench.nab import run_nab
from anomalia.cli.main import main
from bench.conftest import nab_corpus  # noqa: F401  (the tiny NAB corpus fixture)


def test_bench_nab_on_the_cluster_writes_the_local_results(client, nab_corpus, tmp_path):  # noqa: F811
    detectors = ["zscore", "mad"]  # two: the cluster's executor serves one detector after another
    local = run_nab(nab_corpus, tmp_path / "local", detectors, jobs=1, progress=False)
    argv = ["bench", "nab", "--data", str(nab_corpus), "--out", str(tmp_path / "dask"),
            "--detectors", ",".join(detectors), "--quiet",
            "--engine", "dask", "--scheduler", client.scheduler.address]  # fmt: skip
    assert main(argv) == 0
    summary = pd.read_csv(tmp_path / "dask" / "summary.csv")
    assert summary["standard"].tolist() == [row.standard for row in local]
    for name in detectors:
        for key in ("spiky/one.csv", "quiet/two.csv"):
            category, file = key.split("/")
            relative = f"{name}/{category}/{name}_{file}"
            pd.testing.assert_frame_equal(
                pd.read_csv(tmp_path / "dask" / relative),
                pd.read_csv(tmp_path / "local" / relative),
            )


def test_jobs_and_the_dask_engine_exclude_each_other(nab_corpus, tmp_path, capsys):  # noqa: F811
    argv = ["bench", "nab", "--data", str(nab_corpus), "--out", str(tmp_path), "--jobs", "2",
            "--engine", "dask"]  # fmt: skip
    assert main(argv) == 2
    assert "--jobs sets local processes" in capsys.readouterr().err
