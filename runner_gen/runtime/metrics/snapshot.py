"""Point-in-time copies of the metrics, and what can be derived from them: quantiles, rates."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from runner_gen.runtime.errors import RunnerError


class InvalidMetricsConfigError(RunnerError):
    """Buckets, task ids or a quantile that the metrics cannot work with."""

    id = "runner.errors.invalid_metrics_config"


#: Cumulative histogram buckets: ``(upper bound in seconds, observations <= bound)``, ending
#: with ``(inf, count)`` — Prometheus's ``le`` convention.
Buckets = tuple[tuple[float, int], ...]


def quantile_from_buckets(buckets: Sequence[tuple[float, int]], q: float) -> float | None:
    """Estimate the ``q`` quantile as Prometheus's ``histogram_quantile`` does.

    Linear interpolation inside the bucket holding the rank, assuming observations spread
    evenly in it (the first bucket starts at 0); a rank in the ``+Inf`` bucket reports the
    highest finite bound. None when there are no observations.
    """
    if not 0.0 < q <= 1.0:
        raise InvalidMetricsConfigError(f"A quantile must be in (0, 1], got {q!r}")
    total = buckets[-1][1]
    if total == 0:
        return None
    rank = q * total
    # The first bucket holding the rank; the last one holds every observation.
    index = bisect_left([count for _, count in buckets], rank)
    upper_bound, count = buckets[index]
    lower_bound, lower_count = buckets[index - 1] if index else (0.0, 0)
    if math.isinf(upper_bound):
        return lower_bound
    share = (rank - lower_count) / (count - lower_count)
    return lower_bound + (upper_bound - lower_bound) * share


@dataclass(frozen=True, slots=True)
class TaskRates:
    """Per-second rates between two snapshots; ``error_ratio`` is errors per finished call."""

    calls_per_second: float
    errors_per_second: float
    error_ratio: float


@dataclass(frozen=True, slots=True)
class TaskSnapshot:
    task_id: str
    count: int  # every finished call: ok + errors + rejected + cancelled
    sum_seconds: float
    ok: int
    cancelled: int
    #: Calls the runtime refused (rate limit, open circuit, full queue, shutdown): in ``errors``
    #: under their ids, but not in ``error_count``.
    rejected: int
    errors: Mapping[str, int]  # error type or id (or "_OTHER") -> calls; only types seen
    buckets: Buckets
    p50: float | None
    p95: float | None
    p99: float | None

    @property
    def error_count(self) -> int:
        """Failed calls, rejections excluded."""
        return sum(self.errors.values()) - self.rejected

    def quantile(self, q: float) -> float | None:
        return quantile_from_buckets(self.buckets, q)


@dataclass(frozen=True, slots=True)
class MetricsSnapshot:
    taken_at: float  # the metrics clock's seconds (monotonic): only differences mean anything
    tasks: Mapping[str, TaskSnapshot]

    def rates_since(self, earlier: MetricsSnapshot) -> dict[str, TaskRates]:
        """Rates per task over the interval from ``earlier`` to this snapshot."""
        elapsed = self.taken_at - earlier.taken_at
        if elapsed <= 0:
            raise InvalidMetricsConfigError("rates need an earlier snapshot, taken before this one")
        rates: dict[str, TaskRates] = {}
        for task_id, now in self.tasks.items():
            before = earlier.tasks.get(task_id)
            calls = now.count - (before.count if before else 0)
            errors = now.error_count - (before.error_count if before else 0)
            rates[task_id] = TaskRates(
                calls_per_second=calls / elapsed,
                errors_per_second=errors / elapsed,
                error_ratio=errors / calls if calls else 0.0,
            )
        return rates
