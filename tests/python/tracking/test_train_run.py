"""``anomalia train`` logs a run holding its models; ``anomalia detect`` scores by run and URI."""

from __future__ import annotations

import hashlib
from pathlib import Path

import mlflow
import pandas as pd
import pytest
import yaml
from mlflow.tracking import MlflowClient

from anomalia.cli.main import main
from anomalia.contract import read_observations, read_scores, write_observations
from anomalia.modelset import ModelSet

from .conftest import observations_file, run_ids


def client_of(trained) -> MlflowClient:
    uri = f"sqlite:///{trained.store.resolve() / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    return MlflowClient(uri)


def detect(trained, out, *source: str, data=None) -> pd.DataFrame:
    args = ["detect", "--data", str(data or trained.data), "--out", str(out), "--quiet"]
    assert main([*args, "--tracking-uri", str(trained.store), *source]) == 0
    return read_scores(out)


def test_the_run_holds_params_fingerprint_config_metrics_plots_and_the_model(trained):
    client = client_of(trained)
    run = client.get_run(trained.run_id)
    params = run.data.params
    assert params["detectors"] == "zscore,mad"
    assert params["data_sha256"] == hashlib.sha256(trained.data.read_bytes()).hexdigest()
    assert params["train_fraction"] == "0.5"
    assert params["n_series"] == "2"
    assert params["zscore.threshold.method"] == "quantile"
    # Held-out metrics exist for both detectors (the synthetic data are labelled).
    for detector in ("zscore", "mad"):
        assert 0.0 <= run.data.metrics[f"{detector}.event_f1"] <= 1.0
        assert run.data.metrics[f"{detector}.n_alerts"] >= 0
        assert run.data.metrics[f"{detector}.fit_seconds"] > 0
    artifacts = {a.path for a in client.list_artifacts(trained.run_id)}
    assert {"config.yaml", "plots"} <= artifacts
    plots = {a.path for a in client.list_artifacts(trained.run_id, "plots")}
    assert plots == {"plots/zscore.png", "plots/mad.png"}
    (model,) = mlflow.search_logged_models(
        experiment_ids=[run.info.experiment_id],
        filter_string=f"source_run_id = '{trained.run_id}'",
        output_format="list",
    )
    assert model.name == "model"
    config_file = mlflow.artifacts.download_artifacts(f"runs:/{trained.run_id}/config.yaml")
    config = yaml.safe_load(Path(config_file).read_text())
    assert config["train"]["detectors"] == ["zscore", "mad"]
    assert config["train"]["train_fraction"] == 0.5


def test_the_logged_model_is_a_pyfunc_with_a_signature_loaded_by_modelset_load(trained):
    client_of(trained)
    model = mlflow.pyfunc.load_model(f"runs:/{trained.run_id}/model")
    inputs = model.metadata.get_input_schema().input_names()
    assert inputs == ["series_id", "timestamp", "value"]
    assert "is_anomaly" in model.metadata.get_output_schema().input_names()
    observations = read_observations(trained.data)
    # MLflow's datetime type has no time zone: the pyfunc takes naive UTC timestamps.
    naive = observations.assign(timestamp=observations["timestamp"].dt.tz_localize(None))
    predicted = model.predict(naive.drop(columns="label"))
    expected = pd.concat(
        [ModelSet.load(trained.models / d).score(observations, progress=False)
         for d in ("mad", "zscore")],
        ignore_index=True,
    )  # fmt: skip
    pd.testing.assert_frame_equal(predicted, expected)


def test_detect_by_run_id_reproduces_detect_by_folder_exactly(trained, tmp_path):
    by_folder = detect(trained, tmp_path / "folder.parquet", "--models", str(trained.models))
    by_run = detect(trained, tmp_path / "run.parquet", "--run-id", trained.run_id)
    pd.testing.assert_frame_equal(by_run, by_folder, check_exact=True)
    by_uri = detect(trained, tmp_path / "uri.parquet", "--models", f"runs:/{trained.run_id}/model")
    pd.testing.assert_frame_equal(by_uri, by_folder, check_exact=True)


def test_detect_by_registry_version_and_alias(trained, tmp_path):
    client = client_of(trained)
    (version,) = client.search_model_versions(f"run_id = '{trained.run_id}'")
    assert version.name == "fleet"
    client.set_registered_model_alias("fleet", "champion", version.version)
    by_folder = detect(trained, tmp_path / "folder.parquet", "--models", str(trained.models))
    for uri in (f"models:/fleet/{version.version}", "models:/fleet@champion"):
        scores = detect(trained, tmp_path / "registry.parquet", "--models", uri)
        pd.testing.assert_frame_equal(scores, by_folder, check_exact=True)


def test_detect_scores_every_file_a_pattern_matches(trained, tmp_path):
    observations = read_observations(trained.data)
    middle = observations["timestamp"].sort_values().iloc[len(observations) // 2]
    parts = tmp_path / "parts"
    early = observations["timestamp"] < middle
    write_observations(observations[early], parts / "2020-12-01.parquet")
    write_observations(observations[~early], parts / "2020-12-02.parquet")
    write_observations(observations, parts / "2021-01-01.parquet")  # not matched
    scores = detect(trained, tmp_path / "s.parquet", "--run-id", trained.run_id,
                    data=parts / "2020-12*.parquet")  # fmt: skip
    one_by_one = [
        detect(trained, tmp_path / f"{day}.parquet", "--run-id", trained.run_id,
               data=parts / f"2020-12-{day}.parquet")
        for day in ("01", "02")
    ]  # fmt: skip
    assert len(scores) == 2 * len(observations)  # two detectors, each row once
    expected = pd.concat(one_by_one).sort_values(["detector", "series_id", "timestamp"])
    pd.testing.assert_frame_equal(
        scores.sort_values(["detector", "series_id", "timestamp"]).reset_index(drop=True),
        expected.reset_index(drop=True),
    )


def test_a_pattern_matching_nothing_is_a_data_error(trained, tmp_path, capsys):
    args = ["detect", "--data", str(tmp_path / "none-*.parquet"), "--models", str(trained.models)]
    assert main([*args, "--quiet"]) == 1
    assert "none-*.parquet: no file matches this pattern" in capsys.readouterr().err


def test_unknown_run_and_alias_are_usage_errors(trained, tmp_path, capsys):
    base = ["detect", "--data", str(trained.data), "--tracking-uri", str(trained.store), "--quiet"]
    assert main([*base, "--run-id", "0123abc"]) == 2
    assert "runs:/0123abc/model: not found in MLflow store" in capsys.readouterr().err
    assert main([*base, "--models", "models:/fleet@nobody"]) == 2
    assert "alias nobody not found" in capsys.readouterr().err
    assert main([*base, "--run-id", trained.run_id, "--models", str(trained.models)]) == 2
    assert "--run-id and --models name the model twice" in capsys.readouterr().err


def test_no_track_and_the_switch_log_nothing(tmp_path, tracking_on, monkeypatch, capsys):
    data = observations_file(tmp_path)
    store = tmp_path / "store"
    args = ["train", "--data", str(data), "--models", str(tmp_path / "m"), "--detector", "mad",
            "--tracking-uri", str(store), "--quiet"]  # fmt: skip
    assert main([*args, "--no-track"]) == 0
    monkeypatch.setenv("ANOMALIA_TRACKING", "off")
    assert main(args) == 0
    assert not store.exists()
    assert main([*args, "--register", "x"]) == 2
    assert "--register needs tracking" in capsys.readouterr().err
    monkeypatch.setenv("ANOMALIA_TRACKING", "maybe")
    assert main(args) == 2
    assert "ANOMALIA_TRACKING must be `on` or `off`, got 'maybe'" in capsys.readouterr().err


def test_mlflow_tracking_uri_is_the_default_store(tmp_path, tracking_on, monkeypatch, store):
    data = observations_file(tmp_path)
    before = run_ids(store, "anomalia-train")
    uri = f"sqlite:///{store.resolve() / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.chdir(tmp_path)  # the default store would be tmp_path/results/mlflow
    args = ["train", "--data", str(data), "--models", "m", "--detector", "zscore",
            "--train-fraction", "1", "--quiet"]  # fmt: skip
    assert main(args) == 0
    assert len(run_ids(store, "anomalia-train")) == len(before) + 1
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("bad", ["models:/", "models:/a/b/c", "runs:/"])
def test_malformed_uris_are_refused(trained, tmp_path, bad, capsys):
    args = ["detect", "--data", str(trained.data), "--models", bad, "--quiet"]
    assert main([*args, "--tracking-uri", str(trained.store)]) == 2
    assert bad in capsys.readouterr().err


def test_without_mlflow_default_tracking_is_skipped_and_asked_for_tracking_fails(
    tmp_path, tracking_on, monkeypatch, capsys
):
    monkeypatch.setattr("anomalia.cli.tracking._mlflow_installed", lambda: False)
    monkeypatch.chdir(tmp_path)
    data = observations_file(tmp_path)
    args = ["train", "--data", str(data), "--models", "m", "--detector", "mad", "--quiet"]
    assert main(args) == 0
    assert not (tmp_path / "results").exists()
    assert main([*args, "--register", "fleet"]) == 2
    assert "tracking needs mlflow: pip install 'anomalia[tune]'" in capsys.readouterr().err


def test_a_store_that_cannot_be_written_fails_after_saving_the_models(
    tmp_path, tracking_on, capsys
):
    data = observations_file(tmp_path)
    store = tmp_path / "store"
    store.mkdir()
    (store / "mlflow.db").write_text("not a database")
    args = ["train", "--data", str(data), "--models", str(tmp_path / "m"), "--detector", "mad",
            "--train-fraction", "1", "--tracking-uri", str(store), "--quiet"]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"models saved under {tmp_path / 'm'}, but the MLflow run could not be logged" in err
    assert (tmp_path / "m" / "mad" / "manifest.json").is_file()
