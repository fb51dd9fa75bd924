"""Structured logs: one JSON object per line, tagged with the request being served."""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any

# The id of the request a log line belongs to. A ContextVar, not a global: each
# request's task (and the thread-pool call it makes) sees its own value.
request_id_var: ContextVar[str | None] = ContextVar("anomalia_request_id", default=None)

# Extra fields a log call may pass (``log.info(..., extra={...})``) that go into the JSON.
FIELDS = (
    "route",
    "method",
    "path",
    "status",
    "latency_ms",
    "model",
    "version",
    "series_id",
    "feature",
    "psi",
    "ks",
)


class JsonFormatter(logging.Formatter):
    """Format records as JSON: time, level, logger, message, request id and extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        for field in FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """``logging.config.dictConfig`` mapping for the service and uvicorn: JSON on stderr."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"json": handler},
        "loggers": {
            "anomalia": {"handlers": ["json"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["json"], "level": level, "propagate": False},
            # Requests are logged once, by the service's middleware, with latency and route.
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
