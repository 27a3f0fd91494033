"""In-process task metrics: a fixed-bucket latency histogram and outcome counters per task.

Every label value comes from a set fixed at construction: the app's task ids (known at build
time) and a closed set of error type names. Anything else is counted under ``_OTHER``, so no
input can grow memory or a scrape's series count.
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from typing import Final

from runner_gen.runtime.clock import SYSTEM_CLOCK, Clock
from runner_gen.runtime.metrics.snapshot import (
    InvalidMetricsConfigError,
    MetricsSnapshot,
    TaskSnapshot,
    quantile_from_buckets,
)
from runner_gen.runtime.rejections import BUILTIN_ERROR_IDS

OTHER: Final = "_OTHER"

#: Seconds; Prometheus's default latency buckets (``+Inf`` is implicit).
DEFAULT_BUCKETS: Final[tuple[float, ...]] = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)

#: Error types counted under their own name: the runtime's own errors by id (rejections, hook
#: failures), other exceptions by class name. Add the app's typed error ids via ``error_types``.
DEFAULT_ERROR_TYPES: Final[tuple[str, ...]] = (
    *BUILTIN_ERROR_IDS,
    "TimeoutError",
    "ConnectionError",
    "OSError",
    "ValueError",
    "TypeError",
    "KeyError",
    "LookupError",
    "PermissionError",
    "RuntimeError",
    "NotImplementedError",
    "ValidationError",
)


class TaskMetrics:
    """The counters of one task; fetched once (at ``wrap`` time), then updated per call.

    Plain ints and a list, no lock: updates come from the app's event loop thread. Observing
    from several threads at once may lose an increment now and then, never corrupt a count.
    """

    __slots__ = (
        "bounds",
        "bucket_counts",
        "cancelled",
        "errors",
        "ok",
        "rejected",
        "sum_seconds",
        "task_id",
    )

    def __init__(self, task_id: str, bounds: tuple[float, ...], error_types: Iterable[str]) -> None:
        self.task_id = task_id
        self.bounds = bounds
        # Not cumulative: index i counts observations in (bounds[i-1], bounds[i]]; the extra
        # last slot is the +Inf bucket.
        self.bucket_counts = [0] * (len(bounds) + 1)
        self.sum_seconds = 0.0
        self.ok = 0
        self.cancelled = 0
        self.rejected = 0
        self.errors = dict.fromkeys((*error_types, OTHER), 0)

    def observe(self, seconds: float, error_type: str | None) -> None:
        """Record one finished call: ``error_type`` None means success."""
        self.bucket_counts[bisect_left(self.bounds, seconds)] += 1
        self.sum_seconds += seconds
        if error_type is None:
            self.ok += 1
            return
        errors = self.errors
        errors[error_type if error_type in errors else OTHER] += 1

    def observe_rejected(self, seconds: float, error_id: str) -> None:
        """Record a call the runtime refused (rate limit, open circuit, full queue...): counted
        under its id with the errors, and as outcome ``rejected`` rather than ``error``."""
        self.rejected += 1
        self.observe(seconds, error_id)

    def observe_cancelled(self, seconds: float) -> None:
        """Record a call cancelled by its caller: neither a success nor an error."""
        self.bucket_counts[bisect_left(self.bounds, seconds)] += 1
        self.sum_seconds += seconds
        self.cancelled += 1

    def snapshot(self) -> TaskSnapshot:
        cumulative: list[tuple[float, int]] = []
        running = 0
        for bound, count in zip((*self.bounds, math.inf), self.bucket_counts, strict=True):
            running += count
            cumulative.append((bound, running))
        buckets = tuple(cumulative)
        return TaskSnapshot(
            task_id=self.task_id,
            count=running,
            sum_seconds=self.sum_seconds,
            ok=self.ok,
            cancelled=self.cancelled,
            rejected=self.rejected,
            errors={name: count for name, count in self.errors.items() if count},
            buckets=buckets,
            p50=quantile_from_buckets(buckets, 0.5),
            p95=quantile_from_buckets(buckets, 0.95),
            p99=quantile_from_buckets(buckets, 0.99),
        )


class Metrics:
    """The registry (value of ``globals.resources.metrics``): one ``TaskMetrics`` per task id."""

    __slots__ = ("_clock", "_other", "_tasks", "buckets", "error_types")

    def __init__(
        self,
        task_ids: Iterable[str],
        *,
        error_types: Iterable[str] = (),
        buckets: Sequence[float] = DEFAULT_BUCKETS,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.buckets = _checked_buckets(buckets)
        self.error_types = tuple(dict.fromkeys((*DEFAULT_ERROR_TYPES, *error_types)))
        self._clock = clock
        ids = tuple(dict.fromkeys(task_ids))
        if OTHER in ids:
            raise InvalidMetricsConfigError(f"{OTHER!r} is reserved for unknown task ids")
        self._tasks = {
            task_id: TaskMetrics(task_id, self.buckets, self.error_types) for task_id in ids
        }
        self._other = TaskMetrics(OTHER, self.buckets, self.error_types)

    @property
    def task_ids(self) -> tuple[str, ...]:
        return tuple(self._tasks)

    def task(self, task_id: str) -> TaskMetrics:
        """The handle for ``task_id``; every unknown id shares the ``_OTHER`` handle."""
        return self._tasks.get(task_id, self._other)

    def snapshot(self) -> MetricsSnapshot:
        """Every known task (observed or not), plus ``_OTHER`` once something landed there."""
        tasks = {task_id: handle.snapshot() for task_id, handle in self._tasks.items()}
        other = self._other.snapshot()
        if other.count:
            tasks[OTHER] = other
        return MetricsSnapshot(taken_at=self._clock.now(), tasks=tasks)


def _checked_buckets(buckets: Sequence[float]) -> tuple[float, ...]:
    bounds = tuple(float(bound) for bound in buckets)
    if not bounds:
        raise InvalidMetricsConfigError("a latency histogram needs at least one bucket")
    if any(not math.isfinite(bound) or bound <= 0 for bound in bounds):
        raise InvalidMetricsConfigError(
            f"bucket bounds must be finite and positive seconds, got {bounds!r}",
            remediation="Leave out +Inf: it is always added as the last bucket.",
        )
    if any(later <= earlier for earlier, later in itertools.pairwise(bounds)):
        raise InvalidMetricsConfigError(f"bucket bounds must increase strictly, got {bounds!r}")
    return bounds
