"""In-process task metrics (``globals.resources.metrics``): histograms, outcome counters,
quantile estimates, a timing middleware and a Prometheus text renderer. No dependencies;
``runner_gen.runtime.metrics_prometheus`` adapts them to ``prometheus_client`` when wanted.
"""

from __future__ import annotations

from runner_gen.runtime.metrics.asgi import metrics_endpoint
from runner_gen.runtime.metrics.middleware import MetricsMiddleware
from runner_gen.runtime.metrics.prometheus_text import CONTENT_TYPE, render_prometheus
from runner_gen.runtime.metrics.registry import (
    DEFAULT_BUCKETS,
    DEFAULT_ERROR_TYPES,
    OTHER,
    Metrics,
    TaskMetrics,
)
from runner_gen.runtime.metrics.snapshot import (
    InvalidMetricsConfigError,
    MetricsSnapshot,
    TaskRates,
    TaskSnapshot,
    quantile_from_buckets,
)

__all__ = [
    "CONTENT_TYPE",
    "DEFAULT_BUCKETS",
    "DEFAULT_ERROR_TYPES",
    "OTHER",
    "InvalidMetricsConfigError",
    "Metrics",
    "MetricsMiddleware",
    "MetricsSnapshot",
    "TaskMetrics",
    "TaskRates",
    "TaskSnapshot",
    "metrics_endpoint",
    "quantile_from_buckets",
    "render_prometheus",
]
