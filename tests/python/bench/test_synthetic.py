"""``anomalia bench synthetic``: the generator's corpus in NAB's shape, run by the NAB protocol."""

from __future__ import annotations

import numpy as np
import pandas as pd

from anomalia.bench.synthetic import WINDOW_SHARE, synthetic_corpus
from anomalia.cli.main import main


def test_each_anomaly_gets_one_nab_window_centred_on_its_start():
    corpus = synthetic_corpus(n_series=4, length=2000, seed=3)
    assert [series.category for series in corpus] == ["cpu", "temperature", "orders", "cpu"]
    for series in corpus:
        assert np.isfinite(series.values).all()  # missing stretches filled
        windows = series.windows
        assert len(windows) == 4  # one spike and three window anomalies per series
        assert (windows[1:, 0] > windows[:-1, 1]).all()  # in time order, disjoint
        covered = int((windows[:, 1] - windows[:, 0] + 1).sum())
        assert covered <= WINDOW_SHARE * 2000 + len(windows)
        labels = np.zeros(2000, dtype=np.int8)
        for first, last in windows:
            labels[first : last + 1] = 1
        np.testing.assert_array_equal(series.labels, labels)
    again = synthetic_corpus(n_series=4, length=2000, seed=3)
    np.testing.assert_array_equal(corpus[2].values, again[2].values)


def test_the_command_scores_detectors_and_writes_nab_result_files(tmp_path, capsys):
    out = tmp_path / "synthetic"
    command = ["bench", "synthetic", "--series", "3", "--length", "1500", "--seed", "1"]
    options = ["--detectors", "novelty,zscore", "--jobs", "1", "--out", str(out), "--quiet"]
    assert main(command + options) == 0
    table = capsys.readouterr().out
    assert "| novelty |" in table and "| zscore |" in table
    summary = pd.read_csv(out / "summary.csv")
    assert summary["detector"].tolist() == ["novelty", "zscore"]
    assert summary["standard"].between(-100, 100).all()
    result = pd.read_csv(out / "novelty" / "cpu" / "novelty_s00-cpu.csv")
    assert len(result) == 1500 and set(result.columns) == {
        "timestamp",
        "value",
        "anomaly_score",
        "label",
    }
