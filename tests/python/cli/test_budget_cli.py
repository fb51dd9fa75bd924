"""`anomalia detect --alerts-per-day / --alerts-per-1000` end to end."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from anomalia.cli.main import main
from anomalia.contract import read_scores
from anomalia.thresholds.budget import alert_onsets
from anomalia.timings import read_timings

POINTS_PER_DAY = 288  # 5-minute data


@pytest.fixture
def trained(tmp_path, monkeypatch):
    """Two four-week series, zscore trained on the first half with the default threshold."""
    config = {
        "synthetic": {"n_series": 2, "length": 8064, "freq": "5min", "seed": 3},
        "train": {"detectors": ["zscore"], "train_fraction": 0.5,
                  "params": {"zscore": {"window": 24}}},
        "paths": {"data": "obs.parquet", "events": "events.parquet", "models": "models",
                  "scores": "scores.parquet", "metrics": "metrics.csv", "report": "report"},
    }  # fmt: skip
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "default.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.chdir(tmp_path)
    assert main(["generate", "--quiet"]) == 0
    assert main(["train", "--quiet"]) == 0
    return tmp_path


def held_back_alerts(scores: pd.DataFrame) -> tuple[int, int]:
    """Alerts and points in the second (not trained on) half of every series."""
    alerts = points = 0
    for _, rows in scores.groupby("series_id"):
        later = rows.sort_values("timestamp").iloc[len(rows) // 2 :]
        alerts += alert_onsets(later["is_anomaly"].to_numpy()).size
        points += len(later)
    return alerts, points


def test_alerts_per_day_hold_on_the_held_back_half(trained):
    assert main(["detect", "--quiet", "--alerts-per-day", "6"]) == 0
    alerts, points = held_back_alerts(read_scores("scores.parquet"))
    budget = 6 * points / POINTS_PER_DAY
    assert abs(alerts - budget) <= 0.2 * budget
    timings = read_timings("scores.timings.csv")
    assert list(timings["detector"]) == ["zscore"]
    assert (timings[["fit_seconds", "score_seconds"]] > 0).all(axis=None)
    assert timings["n_points"].iloc[0] == 2 * 8064


def test_a_smaller_budget_flags_fewer_alerts(trained):
    main(["detect", "--quiet", "--alerts-per-1000", "10"])
    many, _ = held_back_alerts(read_scores("scores.parquet"))
    main(["detect", "--quiet", "--alerts-per-1000", "2"])
    few, _ = held_back_alerts(read_scores("scores.parquet"))
    assert few < many


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--alerts-per-day", "2", "--alerts-per-1000", "3"], "not allowed with argument"),
        (["--alerts-per-day", "0"], "expected a positive number, got '0'"),
        (["--alerts-per-1000", "many"], "expected a positive number, got 'many'"),
    ],
)
def test_bad_budget_flags_are_usage_errors(trained, capsys, flags, message):
    with pytest.raises(SystemExit) as exit_info:
        main(["detect", *flags])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
