"""Typed errors raised by the built-in middleware, under Runner 5.5's error ids.

Refusals are :class:`Rejection` s: over HTTP they answer with their own status (Runner's
``httpCode`` where Runner has one), the typed envelope and ``Retry-After`` when known, and a
client rebuilds them as the same class. Runner 5.5 ids (``src/errors/domain-error-ids.ts``):
``runner.errors.middleware.{timeout,circuitBreakerOpen,rateLimitExceeded,contextRequired,
temporalDisposed,concurrencyConflict}``; the others have no Runner equivalent and use the same
naming.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from runner_gen.runtime.errors import Rejection, RunnerError


def format_seconds(seconds: float) -> str:
    """``2.5`` -> ``"2.5"``, ``0.1234`` -> ``"0.123"``: short, but never rounded down to 0."""
    text = f"{max(seconds, 0.0):.3f}".rstrip("0").rstrip(".")
    return text if text != "0" or seconds <= 0 else "0.001"


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


class MiddlewareConfigError(RunnerError):
    """A middleware config is invalid; raised when the config is built or a chain is composed."""

    id = "runner.errors.validation"


class TaskTimeoutError(Rejection):
    """The timeout middleware's own deadline passed before the task finished.

    504 rather than Runner's 408: a 408 tells HTTP clients and proxies the *request* was slow
    to arrive, and some resend it automatically, running a non-idempotent task twice. The id is
    Runner's, so a Node client still rebuilds its ``TimeoutError``.
    """

    id = "runner.errors.middleware.timeout"
    http_code = 504
    outcome = "error"  # a slow dependency: alert-worthy
    retryable = True  # each attempt has its own budget when timeout sits inside retry

    def __init__(self, ttl_ms: int | None, *, task_id: str | None, deadline: float) -> None:
        self.ttl_ms = ttl_ms
        self.task_id = task_id
        #: The absolute deadline (on the middleware's clock) that expired; ``-inf`` when the
        #: timeout happened in another process.
        self.deadline = deadline
        shown = "?" if ttl_ms is None else str(ttl_ms)
        super().__init__(f"Operation timed out after {shown}ms")

    def wire_fields(self) -> dict[str, Any]:
        return {"ttlMs": self.ttl_ms, "taskId": self.task_id}

    def restore_fields(self, fields: Mapping[str, Any]) -> None:
        self.ttl_ms = _int_or_none(fields.get("ttlMs"))
        self.task_id = _str_or_none(fields.get("taskId"))
        self.deadline = -math.inf


class CircuitOpenError(Rejection):
    """The circuit of a task is open (or its one half-open probe is in flight): fail fast."""

    id = "runner.errors.middleware.circuitBreakerOpen"
    http_code = 503

    def __init__(self, task_id: str | None, retry_after: float) -> None:
        self.task_id = task_id
        super().__init__(
            f'Circuit is OPEN for task "{task_id}"; retry after {format_seconds(retry_after)}s',
            retry_after=max(retry_after, 0.0),
        )

    def wire_fields(self) -> dict[str, Any]:
        return {"taskId": self.task_id}

    def restore_fields(self, fields: Mapping[str, Any]) -> None:
        self.task_id = _str_or_none(fields.get("taskId"))


class RateLimitExceededError(Rejection):
    """The fixed window of this key has no calls left.

    ``key`` and ``reset_at`` (on the middleware's monotonic clock) stay in this process: the
    key may name a user, and another process's clock means nothing here.
    """

    id = "runner.errors.middleware.rateLimitExceeded"
    http_code = 429

    def __init__(
        self, *, key: str | None, limit: int | None, reset_at: float | None, retry_after: float
    ) -> None:
        self.key = key
        self.limit = limit
        #: When the window resets, on the middleware's monotonic clock.
        self.reset_at = reset_at
        super().__init__(
            f"Rate limit exceeded. Try again in {format_seconds(retry_after)}s",
            retry_after=max(retry_after, 0.0),
        )

    def wire_fields(self) -> dict[str, Any]:
        return {"limit": self.limit}

    def restore_fields(self, fields: Mapping[str, Any]) -> None:
        self.key = None
        self.limit = _int_or_none(fields.get("limit"))
        self.reset_at = None


class KeyCapacityExceededError(Rejection):
    """A keyed middleware already tracks ``max_keys`` live keys; refusing rather than growing."""

    id = "runner.errors.middleware.keyCapacityExceeded"  # Runner 6's name
    http_code = 503

    def __init__(self, *, middleware: str, task_id: str, max_keys: int | None) -> None:
        self.max_keys = max_keys
        super().__init__(
            f'{middleware} for task "{task_id}" already tracks {max_keys} keys',
            remediation="Raise max_keys or use a key_fn with fewer distinct keys.",
        )

    def wire_fields(self) -> dict[str, Any]:
        return {"maxKeys": self.max_keys}

    def restore_fields(self, fields: Mapping[str, Any]) -> None:
        self.max_keys = _int_or_none(fields.get("maxKeys"))


class ConcurrencyLimitError(Rejection):
    """Every permit is taken and the wait queue is full."""

    id = "runner.errors.middleware.concurrencyQueueFull"
    http_code = 503

    def __init__(self, *, scope: str, limit: int | None, max_queue: int | None) -> None:
        self.limit = limit
        self.max_queue = max_queue
        super().__init__(
            f"Concurrency limit {limit} reached for {scope} "
            f"and its wait queue ({max_queue}) is full"
        )

    def wire_fields(self) -> dict[str, Any]:
        return {"limit": self.limit, "maxQueue": self.max_queue}

    def restore_fields(self, fields: Mapping[str, Any]) -> None:
        self.limit = _int_or_none(fields.get("limit"))
        self.max_queue = _int_or_none(fields.get("maxQueue"))


class ConcurrencyConflictError(MiddlewareConfigError):
    """Two tasks share a concurrency ``key`` but disagree on its limit or queue."""

    id = "runner.errors.middleware.concurrencyConflict"


class CacheKeyError(RunnerError):
    """The input of a cached (or debounced/throttled) task cannot be serialized into a key."""

    id = "runner.errors.middleware.cacheKey"
    http_code = 400


class TemporalDisposedError(Rejection):
    """A debounced or throttled call was still pending when the middleware was disposed."""

    id = "runner.errors.middleware.temporalDisposed"
    http_code = 503


class ContextRequiredError(Rejection):
    """A task that requires an async context was called without it (400: the caller must send
    it, e.g. in ``x-runner-context``)."""

    id = "runner.errors.middleware.contextRequired"
    http_code = 400
