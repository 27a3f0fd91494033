"""Optional ``prometheus_client`` adapter (the ``[prometheus]`` extra); import it only to enable it.

Rather than double-count into ``prometheus_client`` metrics on every call, a custom collector
reads the in-process ``Metrics`` at scrape time, so the per-call cost stays that of
``TaskMetrics.observe`` and the families match ``render_prometheus`` exactly.
"""

from __future__ import annotations

from collections.abc import Iterator

try:
    from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
    from prometheus_client.registry import REGISTRY, CollectorRegistry
except ImportError as missing:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "runner_gen.runtime.metrics_prometheus needs prometheus-client: "
        "pip install 'runner-gen[prometheus]'"
    ) from missing

from runner_gen.runtime.metrics.prometheus_text import format_number
from runner_gen.runtime.metrics.registry import Metrics


class RunnerMetricsCollector:
    """A ``prometheus_client`` collector over a ``Metrics`` registry."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        snapshot = self._metrics.snapshot()
        duration = HistogramMetricFamily(
            "runner_task_duration_seconds",
            "Duration of task calls, in seconds.",
            labels=["task_id"],
        )
        # prometheus_client appends the _total suffix to counter families itself.
        calls = CounterMetricFamily(
            "runner_task_calls",
            "Finished task calls by outcome (ok, error, rejected, cancelled).",
            labels=["task_id", "outcome"],
        )
        errors = CounterMetricFamily(
            "runner_task_errors",
            "Failed and rejected task calls by error id or type (_OTHER for unlisted types).",
            labels=["task_id", "error_type"],
        )
        for task in snapshot.tasks.values():
            duration.add_metric(
                [task.task_id],
                [(format_number(bound), float(count)) for bound, count in task.buckets],
                task.sum_seconds,
            )
            calls.add_metric([task.task_id, "ok"], task.ok)
            calls.add_metric([task.task_id, "error"], task.error_count)
            calls.add_metric([task.task_id, "rejected"], task.rejected)
            calls.add_metric([task.task_id, "cancelled"], task.cancelled)
            for error_type, count in sorted(task.errors.items()):
                errors.add_metric([task.task_id, error_type], count)
        yield duration
        yield calls
        yield errors


def register(metrics: Metrics, registry: CollectorRegistry = REGISTRY) -> RunnerMetricsCollector:
    """Expose ``metrics`` through ``registry`` (the process default unless given)."""
    collector = RunnerMetricsCollector(metrics)
    registry.register(collector)
    return collector
