"""Typed errors raised by the built-in middleware, with Runner's error ids in snake_case."""

from __future__ import annotations

from runner_gen.runtime.errors import RunnerError


def format_seconds(seconds: float) -> str:
    """``2.5`` -> ``"2.5"``, ``0.1234`` -> ``"0.123"``: short, but never rounded down to 0."""
    text = f"{max(seconds, 0.0):.3f}".rstrip("0").rstrip(".")
    return text if text != "0" or seconds <= 0 else "0.001"


class MiddlewareConfigError(RunnerError):
    """A middleware config is invalid; raised when the config is built or a chain is composed."""

    id = "runner.errors.validation"


class TaskTimeoutError(RunnerError):
    """The timeout middleware's own deadline passed before the task finished."""

    id = "runner.errors.middleware_timeout"
    http_code = 504

    def __init__(self, ttl_ms: int, *, task_id: str, deadline: float) -> None:
        super().__init__(f"Operation timed out after {ttl_ms}ms")
        self.ttl_ms = ttl_ms
        self.task_id = task_id
        #: The absolute deadline (on the middleware's clock) that expired.
        self.deadline = deadline


class CircuitOpenError(RunnerError):
    """The circuit of a task is open (or its one half-open probe is in flight): fail fast."""

    id = "runner.errors.middleware_circuit_breaker_open"
    http_code = 503

    def __init__(self, task_id: str, retry_after: float) -> None:
        super().__init__(
            f'Circuit is OPEN for task "{task_id}"; retry after {format_seconds(retry_after)}s'
        )
        self.task_id = task_id
        #: Seconds until a probe may be admitted.
        self.retry_after = retry_after


class RateLimitExceededError(RunnerError):
    """The fixed window of this key has no calls left."""

    id = "runner.errors.middleware_rate_limit_exceeded"
    http_code = 429

    def __init__(self, *, key: str, limit: int, reset_at: float, retry_after: float) -> None:
        super().__init__(f"Rate limit exceeded. Try again in {format_seconds(retry_after)}s")
        self.key = key
        self.limit = limit
        #: When the window resets, on the middleware's monotonic clock.
        self.reset_at = reset_at
        self.retry_after = retry_after


class KeyCapacityExceededError(RunnerError):
    """A keyed middleware already tracks ``max_keys`` live keys; refusing rather than growing."""

    id = "runner.errors.middleware_key_capacity_exceeded"
    http_code = 503

    def __init__(self, *, middleware: str, task_id: str, max_keys: int) -> None:
        super().__init__(
            f'{middleware} for task "{task_id}" already tracks {max_keys} keys',
            remediation="Raise max_keys or use a key_fn with fewer distinct keys.",
        )
        self.max_keys = max_keys


class ConcurrencyLimitError(RunnerError):
    """Every permit is taken and the wait queue is full."""

    id = "runner.errors.middleware_concurrency_limit"
    http_code = 503

    def __init__(self, *, scope: str, limit: int, max_queue: int) -> None:
        super().__init__(
            f"Concurrency limit {limit} reached for {scope} "
            f"and its wait queue ({max_queue}) is full"
        )
        self.limit = limit
        self.max_queue = max_queue


class ConcurrencyConflictError(MiddlewareConfigError):
    """Two tasks share a concurrency ``key`` but disagree on its limit or queue."""

    id = "runner.errors.middleware_concurrency_conflict"


class CacheKeyError(RunnerError):
    """The input of a cached (or debounced/throttled) task cannot be serialized into a key."""

    id = "runner.errors.middleware_cache_key"
    http_code = 400


class TemporalDisposedError(RunnerError):
    """A debounced or throttled call was still pending when the middleware was disposed."""

    id = "runner.errors.middleware_temporal_disposed"
    http_code = 503


class ContextRequiredError(RunnerError):
    """A task that requires an async context was called without it."""

    id = "runner.errors.middleware_context_required"
    http_code = 400
