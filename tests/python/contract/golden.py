"""Builds the golden parquet fixtures kept beside the schema.

Run ``python tests/python/contract/golden.py`` to rewrite them; the tests check
that the committed files still equal what this builds, and the R suite reads
the same files. Each invalid fixture breaks exactly one rule, listed with the
error fragment both languages must report in ``fixtures/cases.json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

FIXTURES = Path(__file__).resolve().parents[3] / "python" / "anomalia" / "contract" / "fixtures"


def valid_observations() -> pd.DataFrame:
    """Two series of 6 points, two value columns, labels and an imputed flag."""
    stamps = pd.date_range("2024-03-01", periods=6, freq="1h", tz="UTC")
    frame = pd.DataFrame(
        {
            "series_id": ["cpu"] * 6 + ["disk"] * 6,
            "timestamp": list(stamps) * 2,
            "value": [1.0, 1.5, np.nan, 1.2, 9.0, 1.1, 10.0, 10.5, 10.2, 10.1, 10.3, 10.4],
            "temperature": [20.0, 20.5, 21.0, 20.7, 20.9, 21.1] * 2,
            "value_imputed": [False] * 12,
            "label": np.array([0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0], dtype=np.int8),
        }
    )
    return frame


def valid_scores() -> pd.DataFrame:
    """Scores of one detector for the valid observations; the first row of each series warms up."""
    frame = valid_observations()[["series_id", "timestamp"]].copy()
    frame["detector"] = "zscore"
    frame["score"] = [0.1, 0.2, 0.1, 0.3, 5.0, 0.2, 0.1, 0.2, 0.1, 0.1, 0.2, 0.1]
    frame["threshold"] = 3.0
    frame["is_anomaly"] = frame["score"] > frame["threshold"]
    frame["status"] = ["warming_up"] + ["ok"] * 5 + ["warming_up"] + ["ok"] * 5
    return frame


def _broken(change: Callable[[pd.DataFrame], pd.DataFrame]) -> pd.DataFrame:
    return change(valid_observations().copy())


def _set(frame: pd.DataFrame, row: int, column: str, value: object) -> pd.DataFrame:
    if column == "value" and isinstance(value, str):
        # Parquet columns have one type: a text column with one word in it.
        frame[column] = frame[column].map(lambda v: "" if pd.isna(v) else f"{v:g}")
    frame.loc[row, column] = value
    return frame


def invalid_cases() -> dict[str, tuple[str, pd.DataFrame, str]]:
    """File name -> (table, frame, error fragment)."""
    obs = "observations"
    ts = "timestamp"
    return {
        "observations_missing_column.parquet": (
            obs,
            _broken(lambda f: f.rename(columns={ts: "time"})),
            "missing column `timestamp`",
        ),
        "observations_naive_timestamp.parquet": (
            obs,
            _broken(lambda f: f.assign(timestamp=f[ts].dt.tz_localize(None))),
            "timestamps have no timezone",
        ),
        "observations_duplicate_timestamp.parquet": (
            obs,
            _broken(lambda f: _set(f, 3, ts, f.loc[2, ts])),
            "row 4: duplicate timestamp",
        ),
        "observations_unsorted.parquet": (
            obs,
            _broken(lambda f: _set(f, 3, ts, f.loc[0, ts])),
            "row 4: timestamp",
        ),
        "observations_non_numeric.parquet": (
            obs,
            _broken(lambda f: _set(f, 4, "value", "high")),
            "column `value`, row 5: expected a number",
        ),
        "observations_infinite.parquet": (
            obs,
            _broken(lambda f: _set(f, 7, "value", np.inf)),
            "column `value`, row 8: expected a finite number",
        ),
        "observations_all_missing.parquet": (
            obs,
            _broken(lambda f: _set(f, slice(6, 11), "value", np.nan)),
            "series `disk` has no values",
        ),
        "observations_bad_label.parquet": (
            obs,
            _broken(lambda f: _set(f, 1, "label", 2)),
            "column `label`, row 2: expected 0 or 1",
        ),
        "observations_missing_series_id.parquet": (
            obs,
            _broken(lambda f: _set(f, 9, "series_id", None)),
            "column `series_id`, row 10",
        ),
        "observations_empty.parquet": (
            obs,
            valid_observations().iloc[0:0],
            "no rows",
        ),
        "scores_missing_score.parquet": (
            "scores",
            _set(valid_scores(), 2, "score", np.nan),
            "column `score`, row 3: expected a finite number",
        ),
        "scores_bad_status.parquet": (
            "scores",
            _set(valid_scores(), 3, "status", "warm"),
            "column `status`, row 4: expected one of ok, warming_up",
        ),
    }


def build(directory: Path = FIXTURES) -> None:
    """Write every fixture and ``cases.json`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    write = {"preserve_index": False}
    pq.write_table(
        pa.Table.from_pandas(valid_observations(), **write),
        directory / "observations_valid.parquet",
    )
    pq.write_table(
        pa.Table.from_pandas(valid_scores(), **write), directory / "scores_valid.parquet"
    )
    cases = {}
    for name, (table, frame, fragment) in invalid_cases().items():
        pq.write_table(pa.Table.from_pandas(frame, **write), directory / name)
        cases[name] = {"table": table, "error": fragment}
    valid = {"observations_valid.parquet": "observations", "scores_valid.parquet": "scores"}
    manifest = {"valid": valid, "invalid": cases}
    (directory / "cases.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    build()
