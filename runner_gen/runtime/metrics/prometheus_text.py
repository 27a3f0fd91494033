"""Prometheus text exposition (format 0.0.4) of the in-process metrics, without a dependency.

Families, following https://prometheus.io/docs/practices/naming/ (base unit seconds, ``_total``
on counters, dimensions as labels):

- ``runner_task_duration_seconds`` histogram, label ``task_id``;
- ``runner_task_calls_total`` counter, labels ``task_id`` and ``outcome`` (ok, error, rejected,
  cancelled);
- ``runner_task_errors_total`` counter, labels ``task_id`` and ``error_type`` (closed set: the
  runtime's error ids such as ``runner.errors.middleware.rateLimitExceeded``, the app's typed
  error ids, common exception class names, ``_OTHER``); rejections are counted here too.

The error *rate* is a query, not a metric: ``rate(runner_task_calls_total{outcome="error"}[5m])``
divided by ``rate(runner_task_duration_seconds_count[5m])``.
"""

from __future__ import annotations

import math
from typing import Final

from runner_gen.runtime.metrics.registry import Metrics

CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"

DURATION: Final = "runner_task_duration_seconds"
CALLS: Final = "runner_task_calls_total"
ERRORS: Final = "runner_task_errors_total"


def escape_label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def format_number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def render_prometheus(metrics: Metrics) -> str:
    """The scrape body for ``metrics``; serve it with ``CONTENT_TYPE``."""
    snapshot = metrics.snapshot()
    duration = [
        f"# HELP {DURATION} Duration of task calls, in seconds.",
        f"# TYPE {DURATION} histogram",
    ]
    calls = [
        f"# HELP {CALLS} Finished task calls by outcome (ok, error, rejected, cancelled).",
        f"# TYPE {CALLS} counter",
    ]
    errors = [
        f"# HELP {ERRORS} Failed and rejected task calls by error id or type "
        f"({'_OTHER'} for unlisted types).",
        f"# TYPE {ERRORS} counter",
    ]
    for task in snapshot.tasks.values():
        task_label = f'task_id="{escape_label_value(task.task_id)}"'
        for bound, count in task.buckets:
            le = format_number(bound)
            duration.append(f'{DURATION}_bucket{{{task_label},le="{le}"}} {count}')
        duration.append(f"{DURATION}_sum{{{task_label}}} {format_number(task.sum_seconds)}")
        duration.append(f"{DURATION}_count{{{task_label}}} {task.count}")
        for outcome, count in (
            ("ok", task.ok),
            ("error", task.error_count),
            ("rejected", task.rejected),
            ("cancelled", task.cancelled),
        ):
            calls.append(f'{CALLS}{{{task_label},outcome="{outcome}"}} {count}')
        for error_type, count in sorted(task.errors.items()):
            error_label = f'error_type="{escape_label_value(error_type)}"'
            errors.append(f"{ERRORS}{{{task_label},{error_label}}} {count}")
    return "\n".join((*duration, *calls, *errors)) + "\n"
