"""An experiment run logged to a real local MLflow store (SQLite in a temporary folder)."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest
import yaml
from mlflow.tracking import MlflowClient

from anomalia.cli.main import main
from anomalia.experiments import load_experiment, run_experiment
from anomalia.tracking.flavor import model_folders
from anomalia.tracking.uris import download_model_sets

EXPERIMENT = {
    "name": "tiny",
    "description": "two statistical detectors under an alert budget",
    "data": {"synthetic": {"n_series": 2, "length": 900, "freq": "5min", "seed": 2}},
    "detectors": {"zscore": {"window": 24}, "mad": {"window": 24}},
    "threshold": {"method": "budget", "alerts_per_1000": 5},
    "evaluation": {"train_fraction": 0.5, "primary": "vus_pr"},
}


@pytest.fixture(scope="module")
def logged(tmp_path_factory):
    folder = tmp_path_factory.mktemp("experiment")
    source = folder / "tiny.yaml"
    source.write_text(yaml.safe_dump(EXPERIMENT))
    result = run_experiment(
        load_experiment(source), source=source, tracking=folder / "mlflow", progress=False
    )
    return result, MlflowClient(result.tracking_uri)


def test_results_have_a_row_per_detector_sorted_by_the_primary_metric(logged):
    result, _ = logged
    results = result.results
    assert sorted(results["detector"]) == ["mad", "zscore"]
    assert results["vus_pr"].is_monotonic_decreasing
    assert (results[["fit_seconds", "score_seconds"]] > 0).all(axis=None)
    assert (results["alerts_per_day"] > 0).all()


def test_the_parent_run_holds_params_the_results_table_and_plots(logged):
    result, client = logged
    run = client.get_run(result.run_id)
    assert run.data.params["threshold.method"] == "budget"
    assert sorted(run.data.params["detectors"].split(",")) == ["mad", "zscore"]
    assert run.data.tags["best_detector"] == result.results["detector"].iloc[0]
    assert run.data.metrics["best_vus_pr"] == pytest.approx(result.results["vus_pr"].iloc[0])
    artifacts = {a.path for a in client.list_artifacts(result.run_id)}
    assert {"results.csv", "plots", "experiment"} <= artifacts
    plots = {a.path for a in client.list_artifacts(result.run_id, "plots")}
    assert plots == {"plots/comparison.png", "plots/runtimes.png"}
    local = mlflow.artifacts.download_artifacts(run_id=result.run_id, artifact_path="results.csv")
    logged_table = pd.read_csv(local)
    assert list(logged_table["detector"]) == list(result.results["detector"])
    pd.testing.assert_series_equal(
        logged_table["event_f1"], result.results["event_f1"], check_exact=False, rtol=1e-5
    )


def test_each_detector_has_a_nested_run_with_its_metrics_and_model(logged, tmp_path):
    result, client = logged
    children = client.search_runs(
        [result.experiment_id], f"tags.mlflow.parentRunId = '{result.run_id}'"
    )
    by_name = {child.data.params["detector"]: child for child in children}
    assert sorted(by_name) == ["mad", "zscore"]
    for _, row in result.results.iterrows():
        child = by_name[row["detector"]]
        assert child.data.params["window"] == "24"
        assert child.data.metrics["nab_standard"] == pytest.approx(row["nab_standard"])
        assert child.data.metrics["fit_seconds"] == pytest.approx(row["fit_seconds"])
        plots = [a.path for a in client.list_artifacts(child.info.run_id, "plots")]
        assert len(plots) == 1
        model_uri = f"runs:/{child.info.run_id}/model"
        root = download_model_sets(model_uri, result.tracking_uri, tmp_path / row["detector"])
        assert [folder.name for folder in model_folders(root)] == [row["detector"]]


def test_cli_runs_an_experiment_and_writes_the_table(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump({**EXPERIMENT, "name": "cli"}))
    code = main(["experiment", "run", "tiny.yaml", "--tracking-uri", "store",
                 "--out", "results.csv", "--quiet"])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "mlflow ui --backend-store-uri sqlite:///" in printed
    table = pd.read_csv("results.csv")
    assert sorted(table["detector"]) == ["mad", "zscore"]
    assert (tmp_path / "store" / "mlflow.db").is_file()


def test_cli_bad_experiment_is_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump({**EXPERIMENT, "detectors": {"x": {}}}))
    assert main(["experiment", "run", "bad.yaml", "--quiet"]) == 2
    assert "bad.yaml: `detectors`: unknown detector `x`" in capsys.readouterr().err
    assert not (tmp_path / "results").exists()
