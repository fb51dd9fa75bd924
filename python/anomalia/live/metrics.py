"""Prometheus metrics of ``anomalia stream``, served on ``--metrics-port``.

Each stream has its own registry (no process-wide state), served by
``prometheus_client``'s small HTTP server on a thread of its own.
"""

from __future__ import annotations

from typing import Any


class StreamMetrics:
    """Counters of points scored and alerts, cycle durations and the lag behind the store.

    Attributes
    ----------
    registry : prometheus_client.CollectorRegistry
    """

    def __init__(self) -> None:
        try:
            from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
        except ImportError:  # pragma: no cover - installed with anomalia[serve]
            raise ImportError(
                "--metrics-port needs prometheus_client: pip install 'anomalia[serve]'"
            ) from None
        self.registry = CollectorRegistry()
        prefix = "anomalia_stream"
        self.points = Counter(
            f"{prefix}_points_scored", "Points scored", ["detector"], registry=self.registry
        )
        self.raised = Counter(
            f"{prefix}_alerts_raised", "Alerts raised (onsets of flagged runs)", ["detector"],
            registry=self.registry,
        )  # fmt: skip
        self.delivered = Counter(
            f"{prefix}_alerts_delivered", "Alerts the webhook accepted", registry=self.registry
        )
        self.failed = Counter(
            f"{prefix}_alerts_failed",
            "Alerts the webhook did not accept after all tries of a cycle",
            registry=self.registry,
        )
        self.cycle_seconds = Histogram(
            f"{prefix}_cycle_seconds",
            "Duration of one cycle: read, score, write, alert, checkpoint",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.lag = Gauge(
            f"{prefix}_lag_seconds",
            "Wall clock minus the newest observation timestamp scored",
            registry=self.registry,
        )
        self._server: Any = None

    def serve(self, port: int, host: str = "127.0.0.1") -> None:
        """Serve ``/metrics`` on ``host:port`` from a background thread."""
        from prometheus_client import start_http_server

        self._server = start_http_server(port, addr=host, registry=self.registry)

    def close(self) -> None:
        """Stop serving."""
        if isinstance(self._server, tuple):  # prometheus_client >= 0.17: (server, thread)
            self._server[0].shutdown()
            self._server[0].server_close()
        self._server = None
