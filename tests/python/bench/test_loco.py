"""The leave-one-category-out protocol: choices made without the category they score."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anomalia.bench.loco import candidates, loco_scores, run_loco
from anomalia.bench.nab_corpus import NabFile
from anomalia.cli.main import main
from anomalia.exceptions import ConfigError


def _file(key: str) -> NabFile:
    n = 100  # probationary period 15 rows; one window, rows 50-55
    labels = np.zeros(n, dtype=np.int8)
    labels[50:56] = 1
    stamps = np.array([str(i) for i in range(n)])
    return NabFile(key, stamps, np.zeros(n), np.array([[50, 55]]), labels)


def _scores(hit: bool) -> np.ndarray:
    scores = np.zeros(100)
    scores[50 if hit else 20] = 1.0  # the window's first row, or a false alarm
    return scores


def test_a_choice_that_only_fits_the_other_category_is_scored_on_this_one():
    corpus = [_file("a/one.csv"), _file("b/two.csv")]
    # Candidate 0 finds a's window and false-alarms on b; candidate 1 the reverse.
    runs = [[_scores(True), _scores(False)], [_scores(False), _scores(True)]]
    folds, total, usual_index = loco_scores(corpus, runs, [{"k": 0}, {"k": 1}])
    # On the whole corpus both candidates are worth the same: one window of two found.
    assert usual_index == 0
    # Without a, candidate 1 is perfect on b and is picked, then misses a's window.
    assert [fold.category for fold in folds] == ["a", "b"]
    assert [fold.params for fold in folds] == [{"k": 1}, {"k": 0}]
    assert [fold.false_positives for fold in folds] == [1, 1]
    assert all(fold.loco < 0 for fold in folds) and total < 0
    assert folds[0].usual == pytest.approx(100.0)  # the whole corpus's pick finds a's window


def test_candidates_are_the_grid_product_in_order():
    assert candidates({"a": [1, 2], "b": ["x"]}) == [{"a": 1, "b": "x"}, {"a": 2, "b": "x"}]
    assert candidates({}) == [{}]


def test_cli_prints_categories_and_both_totals(nab_corpus, tmp_path, capsys):
    grid = tmp_path / "grid.yaml"
    grid.write_text("zscore: {window: [10, 20]}\n")
    out = tmp_path / "results"
    status = main(
        ["bench", "nab", "--data", str(nab_corpus), "--out", str(out), "--protocol", "loco",
         "--detectors", "zscore", "--grid", str(grid), "--jobs", "1", "--quiet"]
    )  # fmt: skip
    assert status == 0
    printed = capsys.readouterr().out
    assert "| quiet | 1 | 0 |" in printed and "| spiky | 1 | 1 |" in printed
    assert "| **total** | 2 | 1 |" in printed and "LOCO" in printed
    table = pd.read_csv(out / "loco.csv")
    assert table["category"].tolist() == ["quiet", "spiky", "total"]


def test_a_grid_that_is_not_lists_is_refused(nab_corpus, tmp_path):
    with pytest.raises(ConfigError, match="grid of `zscore` must map parameter names"):
        run_loco(nab_corpus, tmp_path, ["zscore"], grids={"zscore": {"window": 10}}, progress=False)
