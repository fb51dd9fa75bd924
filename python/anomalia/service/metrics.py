"""Prometheus metrics of one app, in its own registry (tests and apps stay isolated)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ServiceMetrics:
    """The service's counters, histogram and gauges, registered in ``self.registry``.

    Attributes
    ----------
    requests : Counter
        Requests by method, route template and status code.
    latency : Histogram
        Request latency in seconds by method and route template.
    errors : Counter
        Responses with status >= 400 by route and status.
    scoring : Histogram
        Seconds of each detect request spent scoring, by model: its share of
        the request latency shows what parsing and serialisation cost.
    points : Counter
        Points scored by model and version.
    anomalies : Counter
        Points flagged as anomalies by model and version.
    drift_psi, drift_ks : Gauge
        Latest input drift of each model, series and feature against the training data.
    models_loaded : Gauge
        Number of models whose serving version is in memory.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        route = ["method", "route"]
        self.requests = Counter(
            "anomalia_requests", "HTTP requests served.", [*route, "status"], registry=self.registry
        )
        self.latency = Histogram(
            "anomalia_request_duration_seconds",
            "HTTP request latency.",
            route,
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "anomalia_request_errors",
            "HTTP responses with status >= 400.",
            [*route, "status"],
            registry=self.registry,
        )
        self.scoring = Histogram(
            "anomalia_scoring_seconds",
            "Time spent scoring (detector and threshold) in each detect request.",
            ["model"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        model = ["model", "version"]
        self.points = Counter(
            "anomalia_points_scored", "Points scored.", model, registry=self.registry
        )
        self.anomalies = Counter(
            "anomalia_anomalies_flagged",
            "Points flagged as anomalous.",
            model,
            registry=self.registry,
        )
        drift = ["model", "series_id", "feature"]
        self.drift_psi = Gauge(
            "anomalia_input_drift_psi",
            "Population stability index of the latest input against the training data.",
            drift,
            registry=self.registry,
        )
        self.drift_ks = Gauge(
            "anomalia_input_drift_ks",
            "Kolmogorov-Smirnov statistic of the latest input against the training data.",
            drift,
            registry=self.registry,
        )
        self.models_loaded = Gauge(
            "anomalia_models_loaded",
            "Models with their serving version in memory.",
            registry=self.registry,
        )
