"""``anomalia store prune``: a real store, pruned once from the command line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomalia.cli.main import main
from anomalia.store import open_store


def _days_back(days: int) -> pd.DataFrame:
    """One point a day, aged 0.5, 1.5, ... days: half a day from any cutoff in days."""
    ages = pd.to_timedelta(np.arange(days)[::-1] + 0.5, unit="D")
    stamps = pd.Timestamp.now(tz="UTC").floor("s") - ages
    return pd.DataFrame({"series_id": "a", "timestamp": stamps, "value": np.arange(days) * 1.0})


def test_prune_deletes_rows_older_than_the_age_and_keeps_labels(store_url, capsys):
    frame = _days_back(40)
    scores = frame.assign(detector="zscore", score=1.0, threshold=2.0, is_anomaly=False)
    with open_store(store_url) as store:
        store.write_observations(frame)
        store.write_scores(scores.drop(columns="value"))
        store.write_labels(frame.iloc[:1].assign(label=1)[["series_id", "timestamp", "label"]])
    argv = ["store", "prune", "--store", store_url, "--older-than", "30d"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    with open_store(store_url) as store:
        pd.testing.assert_frame_equal(
            store.read_observations(), frame.iloc[10:].reset_index(drop=True)
        )
        assert len(store.read_scores()) == 30
        assert len(store.read_labels()) == 1  # the oldest point's label
    counts = "10, scores 10" if store_url.startswith("duckdb") else "?, scores ?"
    assert f"observations {counts}" in printed
    assert main(argv) == 0  # again: nothing more to delete
    again = "0, scores 0" if store_url.startswith("duckdb") else "?, scores ?"
    assert f"observations {again}" in capsys.readouterr().out


def test_prune_tables_asked_for(tmp_path, capsys):
    url = f"duckdb:///{tmp_path / 'live.duckdb'}"
    frame = _days_back(3)
    with open_store(url) as store:
        store.write_observations(frame)
        store.write_labels(frame.assign(label=0)[["series_id", "timestamp", "label"]])
    assert main(["store", "prune", "--store", url, "--older-than", "1d", "--tables", "labels"]) == 0
    assert "labels 2" in capsys.readouterr().out
    with open_store(url) as store:
        assert len(store.read_labels()) == 1 and len(store.read_observations()) == 3


@pytest.mark.parametrize(
    ("flag", "value", "expected"),
    [
        ("--older-than", "30", "argument --older-than: expected a whole number of days, hours "
                               "or weeks such as 30d, 12h or 2w, got '30'"),
        ("--older-than", "6m", "argument --older-than: expected a whole number of days"),
        ("--tables", "observations,injections", "argument --tables: expected a comma-separated "
                                               "list of observations, scores, alerts, labels, "
                                               "got 'injections'"),
    ],
)  # fmt: skip
def test_bad_flags_are_named(tmp_path, capsys, flag, value, expected):
    argv = ["store", "prune", "--store", f"duckdb:///{tmp_path}/s.duckdb", "--older-than", "1d"]
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, flag, value])
    assert exit_info.value.code == 2
    assert expected in capsys.readouterr().err
    assert not (tmp_path / "s.duckdb").exists()  # refused before the store is opened
