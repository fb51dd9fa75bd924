"""The live benchmark on a few series: every point is timed from ingest to flag."""

from __future__ import annotations

import math
import multiprocessing

from anomalia.live.bench import run


def test_the_benchmark_times_every_point_it_wrote(tmp_path, fork_cli):
    # The fork server of `fork_cli` (CLI preloaded) starts the stream in milliseconds.
    result = run(f"duckdb:///{tmp_path / 'live.duckdb'}", series=5, seconds=3, history=40,
                 interval=0.2, work=tmp_path,
                 context=multiprocessing.get_context("forkserver"))  # fmt: skip
    assert result["scored_share"] == 1.0
    assert 0 < result["latency_p50_s"] <= result["latency_p99_s"] <= result["latency_max_s"]
    assert result["catch_up_points_per_s"] > 0 and math.isfinite(result["scored_points_per_s"])
