"""The labelled multivariate corpus: correlated sensors, one event of each kind per system."""

from __future__ import annotations

import numpy as np
import pytest

from anomalia.bench.multivariate import main
from anomalia.exceptions import ConfigError
from anomalia.synthetic.multivariate import MULTIVARIATE_KINDS, generate_multivariate

DAY = 288


def test_systems_are_correlated_clean_first_half_and_labelled_events():
    data = generate_multivariate(n_systems=2, length=10 * DAY, n_sensors=4, seed=3)
    assert len(data.values) == 2 and data.values[0].shape == (10 * DAY, 4)
    for system, (values, labels) in enumerate(zip(data.values, data.labels, strict=True)):
        half = len(values) // 2
        assert not labels[:half].any()
        # Two shared signals drive the four sensors: two components hold most variance.
        eigenvalues = np.linalg.eigvalsh(np.corrcoef(values[:half].T))
        assert eigenvalues[-2:].sum() / eigenvalues.sum() > 0.9
        events = data.events[data.events["system"] == system]
        assert events["kind"].tolist() == list(MULTIVARIATE_KINDS)
        expected = np.zeros(len(values), dtype=np.int8)
        for event in events.itertuples():
            expected[event.start_index : event.end_index + 1] = 1
        np.testing.assert_array_equal(labels, expected)
    again = generate_multivariate(n_systems=2, length=10 * DAY, n_sensors=4, seed=3)
    np.testing.assert_array_equal(again.values[1], data.values[1])


def test_too_short_a_system_is_refused():
    with pytest.raises(ConfigError, match="at least 8 days"):
        generate_multivariate(length=3 * DAY)


def test_the_bench_prints_pca_blaming_the_broken_sensors(capsys):
    main(["--systems", "2", "--length", str(8 * DAY), "--detectors", "pca"])
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("| pca"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert float(cells[1]) > 0.6  # ROC AUC
    assert float(cells[-1]) >= 0.75  # right sensor blamed for most events


def test_the_contributions_figure_is_written(tmp_path):
    from anomalia.bench.multivariate import contributions_figure

    data = generate_multivariate(n_systems=1, length=8 * DAY, n_sensors=3, seed=1)
    path = contributions_figure(data, tmp_path / "contributions.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
