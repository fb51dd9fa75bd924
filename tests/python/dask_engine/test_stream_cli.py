"""``anomalia stream --engine dask`` on a real DuckDB store: the local loop's scores, alerts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomalia.cli.main import main

pytest.importorskip("duckdb")

from anomalia.store import open_store  # noqa: E402
from live.conftest import observations  # noqa: E402  (the live tests' series with spikes)


def _by_key(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["detector", "series_id", "timestamp"], ignore_index=True)


def _stream_both(models: str, tmp_path, frame: pd.DataFrame, *engine: str):
    """Two polls of ``frame`` by ``anomalia stream --once``; the store's scores and alerts."""
    url = f"duckdb:///{tmp_path}/live.duckdb"
    argv = ["stream", "--store", url, "--models", models, "--state", str(tmp_path / "state"),
            "--once", "--quiet", *engine]  # fmt: skip
    with open_store(url) as store:
        store.write_observations(frame[frame["timestamp"] < "2026-01-01 00:04"])
    assert main(argv) == 0
    with open_store(url) as store:
        store.write_observations(frame[frame["timestamp"] >= "2026-01-01 00:04"])
    assert main(argv) == 0
    with open_store(url) as store:
        return _by_key(store.read_scores()), store.read_alerts().sort_values("alert_id")


def test_stream_on_the_cluster_writes_the_local_loops_scores_and_alerts(
    client, stream_models, tmp_path
):
    frame = observations()
    frame["series_id"] = frame["series_id"].replace({"s2": "never-trained"})  # fleet-scored
    frame.loc[17, "value"] = np.nan  # a missing value is answered "missing"
    local = _stream_both(stream_models, tmp_path / "local", frame)
    dask = _stream_both(stream_models, tmp_path / "dask", frame, "--engine", "dask",
                        "--scheduler", client.scheduler.address)  # fmt: skip
    scores, alerts = dask
    assert len(scores) == len(frame) and (scores["status"] == "missing").sum() == 1
    pd.testing.assert_frame_equal(scores, local[0])
    pd.testing.assert_frame_equal(alerts.reset_index(drop=True), local[1].reset_index(drop=True))
    assert len(alerts) >= 6
