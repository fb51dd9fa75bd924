"""The parquet data contract: schema, validation, reading, writing and ingest."""

from anomalia.contract.io import read_observations, read_scores, write_observations, write_scores
from anomalia.contract.schema import load_schema, value_columns
from anomalia.contract.validate import validate_observations, validate_scores

__all__ = [
    "load_schema",
    "read_observations",
    "read_scores",
    "validate_observations",
    "validate_scores",
    "value_columns",
    "write_observations",
    "write_scores",
]
