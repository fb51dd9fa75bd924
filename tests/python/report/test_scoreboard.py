"""`anomalia evaluate --report`: every detector's row, the optimistic marker, the CSV's figures."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml

from anomalia.cli.main import main
from anomalia.exceptions import DataError
from anomalia.report.scoreboard import COLUMNS, OPTIMISTIC, scoreboard_table


class _Table(HTMLParser):
    """The header and body cells of the first table on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.header: list[str] = []
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._done = False

    def handle_starttag(self, tag, attrs):
        if self._done:
            return
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            target = self.header if tag == "th" else self.rows[-1]
            target.append("".join(self._cell))
            self._cell = None
        elif tag == "table":
            self._done = True
            self.rows = [row for row in self.rows if row]


@pytest.fixture
def evaluated(tmp_path, monkeypatch):
    config = {
        "synthetic": {"n_series": 2, "length": 900, "freq": "5min", "seed": 3},
        "train": {"detectors": ["zscore", "mad", "iforest"], "train_fraction": 0.4,
                  "params": {"zscore": {"window": 24}, "mad": {"window": 24},
                             "iforest": {"random_state": 0}}},
        "paths": {"data": "obs.parquet", "events": "events.parquet", "models": "models",
                  "scores": "scores.parquet", "metrics": "metrics.csv", "report": "report"},
    }  # fmt: skip
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "default.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.chdir(tmp_path)
    for command in (["generate"], ["train"], ["detect"]):
        assert main([*command, "--quiet"]) == 0
    assert main(["evaluate", "--models", "models", "--report", "board", "--quiet"]) == 0
    parser = _Table()
    parser.feed(Path("board/index.html").read_text())
    return pd.read_csv("metrics.csv"), parser


def test_report_has_a_row_per_detector_and_marks_point_adjustment_optimistic(evaluated):
    metrics, parsed = evaluated
    assert sorted(row[0] for row in parsed.rows) == sorted(metrics["detector"])
    assert f"point-adjusted F1 ({OPTIMISTIC})" in parsed.header
    page = Path("board/index.html").read_text()
    assert "Point-adjusted F1 is optimistic" in page
    assert Path("board/figures/quality.png").stat().st_size > 0
    assert Path("board/figures/runtime.png").stat().st_size > 0


def test_report_figures_equal_the_metrics_csv(evaluated):
    metrics, parsed = evaluated
    by_detector = metrics.set_index("detector")
    titles = {title: column for column, title in COLUMNS.items()}
    checked = 0
    for row in parsed.rows:
        for title, cell in zip(parsed.header[1:], row[1:], strict=True):
            column = titles[title]
            if column not in by_detector.columns:
                continue  # alerts and runtimes come from the scores and timings
            expected = by_detector.loc[row[0], column]
            if pd.isna(expected):
                assert cell == "—", (row[0], title)
            else:  # shown to 3 decimals; the CSV's own rounding may tip a last digit
                assert float(cell) == pytest.approx(expected, abs=1e-3), (row[0], title)
            checked += 1
    assert checked == len(metrics) * 7  # three NAB profiles, VUS-PR, two F1s, delay


def test_runtimes_come_from_detect_and_alerts_from_the_scores(evaluated):
    _, parsed = evaluated
    timings = pd.read_csv("scores.timings.csv").set_index("detector")
    fit = parsed.header.index("fit s")
    score = parsed.header.index("score s")
    for row in parsed.rows:
        assert row[fit] == f"{timings.loc[row[0], 'fit_seconds']:.3f}"
        assert row[score] == f"{timings.loc[row[0], 'score_seconds']:.3f}"
        assert float(row[parsed.header.index("alerts per day")]) >= 0


def test_metrics_without_detectors_are_refused():
    with pytest.raises(DataError, match="needs a `detector` column"):
        scoreboard_table(pd.DataFrame({"event_f1": [0.5]}))
    with pytest.raises(DataError, match="one row per detector"):
        scoreboard_table(pd.DataFrame({"detector": ["a", "a"], "event_f1": [0.5, 0.6]}))
