"""``python -m anomalia.store.bench`` runs and reports each call's cost."""

from __future__ import annotations

from anomalia.store import open_store
from anomalia.store.bench import main, run


def test_bench_times_each_call_and_leaves_the_rounds_in_the_store(store_url):
    timings = run(store_url, n_series=5, ticks=4)
    assert set(timings) == {"write observations", "poll (after)", "write scores"}
    assert all(len(seconds) == 2 and (seconds > 0).all() for seconds in timings.values())
    with open_store(store_url) as store:
        assert len(store.read_observations()) == len(store.read_scores()) == 20


def test_bench_prints_a_markdown_table(tmp_path, capsys):
    assert (
        main(["--store", f"duckdb:///{tmp_path / 'b.duckdb'}", "--series", "3", "--ticks", "2"])
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "| call (3 rows) | median ms | p99 ms |"
    assert [line.split("|")[1].strip() for line in lines[2:]] == [
        "write observations", "poll (after)", "write scores",
    ]  # fmt: skip
