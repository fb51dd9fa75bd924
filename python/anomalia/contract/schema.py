"""The data contract's machine-readable schema, shared with the R package."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("schema.json")
IMPUTED_SUFFIX = "_imputed"


@cache
def load_schema() -> dict[str, Any]:
    """Return the parsed ``schema.json``."""
    return json.loads(SCHEMA_PATH.read_text())


def table_schema(table: str) -> dict[str, Any]:
    """Return the schema of ``table`` (``"observations"`` or ``"scores"``)."""
    return load_schema()["tables"][table]


def required_columns(table: str) -> list[str]:
    """Names of the columns ``table`` must have, in schema order."""
    return [c["name"] for c in table_schema(table)["columns"] if c["required"]]


def known_columns(table: str) -> list[str]:
    """Names of all fixed (non-value) columns of ``table``."""
    return [c["name"] for c in table_schema(table)["columns"]]


def value_columns(columns: list[str]) -> list[str]:
    """Value columns of an observations table: all but the fixed and flag columns."""
    fixed = set(known_columns("observations"))
    return [c for c in columns if c not in fixed and not c.endswith(IMPUTED_SUFFIX)]
