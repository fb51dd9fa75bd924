"""The golden fixtures shared with the R suite: committed, current, and rejected as listed."""

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from anomalia.contract import read_observations, read_scores
from anomalia.exceptions import DataError
from golden import FIXTURES, build

CASES = json.loads((FIXTURES / "cases.json").read_text())
READERS = {"observations": read_observations, "scores": read_scores}


def test_committed_fixtures_equal_what_the_builder_makes(tmp_path):
    build(tmp_path)
    # Written by `python -m anomalia.r.parity`, checked by tests/python/r/ and testthat.
    others = {"expected_metrics.json", "seasons.json"}
    committed = sorted(p.name for p in FIXTURES.iterdir() if p.name not in others)
    assert sorted(p.name for p in tmp_path.iterdir()) == committed
    for fresh in tmp_path.glob("*.parquet"):
        assert pq.read_table(fresh).equals(pq.read_table(FIXTURES / fresh.name)), fresh.name
    assert (tmp_path / "cases.json").read_text() == (FIXTURES / "cases.json").read_text()


@pytest.mark.parametrize("name", sorted(CASES["valid"]))
def test_valid_fixture_reads_with_canonical_types(name):
    frame = READERS[CASES["valid"][name]](FIXTURES / name)
    assert str(frame["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert frame["series_id"].tolist()[:1] == ["cpu"]
    assert len(frame) == 12


@pytest.mark.parametrize("name", sorted(CASES["invalid"]))
def test_invalid_fixture_is_rejected_with_its_message(name):
    case = CASES["invalid"][name]
    with pytest.raises(DataError) as caught:
        READERS[case["table"]](FIXTURES / name)
    message = str(caught.value)
    assert case["error"] in message
    assert message.startswith(str(FIXTURES / name))


def test_missing_values_survive_a_round_trip(tmp_path):
    from anomalia.contract import write_observations

    frame = read_observations(FIXTURES / "observations_valid.parquet")
    write_observations(frame, tmp_path / "copy.parquet")
    again = read_observations(tmp_path / "copy.parquet")
    pd.testing.assert_frame_equal(frame, again)
    assert again["value"].isna().sum() == 1
