"""Exceptions raised to users of anomalia.

Every message names what was wrong and what was expected, so that the CLI and
the service can show it as a single line without a stack trace.
"""

from __future__ import annotations


class AnomaliaError(Exception):
    """Base class of every error anomalia raises on purpose."""


class DataError(AnomaliaError, ValueError):
    """Input data breaks the data contract (file, column, row and expectation in the message)."""


class ConfigError(AnomaliaError, ValueError):
    """A configuration value or command-line option is invalid."""


class NotFittedError(AnomaliaError, ValueError, AttributeError):
    """A detector or transform was used before ``fit``."""


class MissingDependencyError(AnomaliaError, ImportError):
    """An optional dependency is needed for the requested feature."""


class StreamingError(AnomaliaError, ValueError):
    """A model or stream state cannot score the rows asked for (not causal, wrong model, order)."""


class StoreError(AnomaliaError, OSError):
    """A store cannot be opened or reached, or stayed locked past the wait allowed."""
