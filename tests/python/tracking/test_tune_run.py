"""``anomalia tune`` logs a run: its settings, best and baseline values, the parameters file."""

from __future__ import annotations

import yaml
from mlflow.tracking import MlflowClient

from anomalia.cli.main import main

from .conftest import observations_file, run_ids


def test_a_tuning_is_a_run(tmp_path, store, tracking_on):
    data = observations_file(tmp_path)
    before = run_ids(store, "anomalia-tune")
    out = tmp_path / "best.yaml"
    args = ["tune", "--detector", "mad", "--data", str(data), "--trials", "2", "--folds", "2",
            "--out", str(out), "--tracking-uri", str(store), "--quiet"]  # fmt: skip
    assert main(args) == 0
    after = run_ids(store, "anomalia-tune")
    assert len(after) == len(before) + 1
    client = MlflowClient(f"sqlite:///{store.resolve() / 'mlflow.db'}")
    run = client.get_run(after[0])
    assert run.data.params["detector"] == "mad"
    assert run.data.params["trials"] == "2"
    best = yaml.safe_load(out.read_text())
    assert {k: str(v) for k, v in best.items()} == {
        k.removeprefix("best."): v for k, v in run.data.params.items() if k.startswith("best.")
    }
    assert 0.0 <= run.data.metrics["best_event_f1"] <= 1.0
    assert [a.path for a in client.list_artifacts(after[0])] == ["best.yaml"]
