"""Built-in middleware, run directly on an injected clock: ports of Runner 5.5's middleware tests
that turn on timing (Runner uses jest fake timers where this suite uses ``FakeClock``).

Runner files (tag 5.5.0): src/__tests__/globals/middleware/circuitBreaker.middleware.test.ts,
rateLimit.middleware.test.ts, temporal.debounce/throttle/dispose.middleware.test.ts,
concurrency.middleware.test.ts, fallback.middleware.test.ts,
src/__tests__/globals/retry.middleware.test.ts, timeout.middleware.test.ts and
requireContext.middleware.test.ts.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest

from runner_gen.runtime.context import AsyncContext
from runner_gen.runtime.errors import ContextError
from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.middleware import (
    CacheConfig,
    CircuitBreakerConfig,
    CircuitBreakerMiddleware,
    CircuitOpenError,
    ConcurrencyConfig,
    ConcurrencyConflictError,
    ConcurrencyMiddleware,
    DebounceConfig,
    DebounceMiddleware,
    FallbackConfig,
    FallbackMiddleware,
    FallbackTask,
    MiddlewareConfigError,
    RateLimitConfig,
    RateLimitExceededError,
    RateLimitMiddleware,
    RequireContextConfig,
    RequireContextMiddleware,
    RetryConfig,
    RetryMiddleware,
    TaskTimeoutError,
    TemporalDisposedError,
    ThrottleConfig,
    ThrottleMiddleware,
    TimeoutConfig,
    TimeoutMiddleware,
)
from runner_gen.runtime.middleware.circuit_breaker import CircuitState
from tests.runtime.middleware.fakes import FakeClock, settle, spawn


def info(task_id: str) -> DefinitionInfo:
    return DefinitionInfo(task_id)


class Script:
    """A task whose outcome per call the test decides: ``fail`` toggles, ``gate`` holds."""

    def __init__(self, *, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[Any] = []
        self.gate: asyncio.Event | None = None

    async def __call__(self, input: Any) -> Any:
        self.calls.append(input)
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise ConnectionError(f"fail {input}")
        return f"ok {input}"


# -- circuit breaker ---------------------------------------------------------------------------


def breaker(clock: FakeClock, task: Next, task_id: str = "task.cb", **config: int) -> Next:
    middleware = CircuitBreakerMiddleware(clock=clock)
    return middleware.wrap(task, info(task_id), CircuitBreakerConfig(**config))


async def test_breaker_allows_calls_when_closed() -> None:
    """circuitBreaker: "should allow calls when in CLOSED state"."""
    chain = breaker(FakeClock(), Script(), failure_threshold=2)
    assert await chain(1) == "ok 1"


async def test_breaker_trips_open_after_the_threshold() -> None:
    """circuitBreaker: "should trip to OPEN state after failure threshold is reached"."""
    task = Script(fail=True)
    chain = breaker(FakeClock(), task, "task.open", failure_threshold=2)
    for n in (1, 2):
        with pytest.raises(ConnectionError):
            await chain(n)
    with pytest.raises(CircuitOpenError, match=r'Circuit is OPEN for task "task\.open"') as open_:
        await chain(3)
    assert task.calls == [1, 2]
    # Runner's id and status (P20), so a Node client rebuilds its CircuitBreakerOpenError.
    assert (open_.value.id, open_.value.http_code) == (
        "runner.errors.middleware.circuitBreakerOpen",
        503,
    )


async def test_breaker_closes_after_a_successful_probe() -> None:
    """circuitBreaker: "should transition to HALF_OPEN after resetTimeout"."""
    clock = FakeClock()
    task = Script(fail=True)
    chain = breaker(clock, task, failure_threshold=1, reset_timeout=1000)
    with pytest.raises(ConnectionError):
        await chain(1)
    with pytest.raises(CircuitOpenError):
        await chain(2)
    await clock.advance(1.0)
    task.fail = False
    assert await chain(3) == "ok 3"
    assert await chain(4) == "ok 4"


async def test_breaker_reopens_when_the_probe_fails() -> None:
    """circuitBreaker: "should go back to OPEN if call fails in HALF_OPEN"."""
    clock = FakeClock()
    task = Script(fail=True)
    chain = breaker(clock, task, failure_threshold=1, reset_timeout=1000)
    with pytest.raises(ConnectionError):
        await chain(1)
    await clock.advance(1.0)
    with pytest.raises(ConnectionError):
        await chain(2)  # the probe
    with pytest.raises(CircuitOpenError, match="Circuit is OPEN"):
        await chain(3)
    assert task.calls == [1, 2]


async def test_breaker_rejects_other_calls_while_the_probe_runs() -> None:
    """circuitBreaker: "should reject concurrent HALF_OPEN probes while one probe is in flight";
    the message is Runner 5.5's: 'Circuit is HALF_OPEN for task "..." (probe in progress)'."""
    clock = FakeClock()
    task = Script(fail=True)
    middleware = CircuitBreakerMiddleware(clock=clock)
    chain = middleware.wrap(
        task, info("task.probe"), CircuitBreakerConfig(failure_threshold=1, reset_timeout=1000)
    )
    with pytest.raises(ConnectionError):
        await chain(1)
    await clock.advance(1.0)
    task.fail, task.gate = False, asyncio.Event()
    probe = spawn(chain("probe"))
    await settle()
    assert middleware.snapshot("task.probe").state is CircuitState.HALF_OPEN
    with pytest.raises(CircuitOpenError) as rejected:
        await chain("concurrent")
    assert str(rejected.value).startswith(
        'Circuit is HALF_OPEN for task "task.probe" (probe in progress)'
    )
    task.gate.set()
    assert await probe == "ok probe"
    assert middleware.snapshot("task.probe").state is CircuitState.CLOSED


async def test_breaker_states_are_isolated_per_task() -> None:
    """circuitBreaker: "should isolate states between different tasks"."""
    clock = FakeClock()
    middleware = CircuitBreakerMiddleware(clock=clock)
    config = CircuitBreakerConfig(failure_threshold=1)
    failing = middleware.wrap(Script(fail=True), info("task.a"), config)
    healthy = middleware.wrap(Script(), info("task.b"), config)
    with pytest.raises(ConnectionError):
        await failing(1)
    with pytest.raises(CircuitOpenError):
        await failing(2)
    assert await healthy(3) == "ok 3"


async def test_breaker_defaults_open_after_five_failures() -> None:
    """circuitBreaker: "should use default config values" (threshold 5, reset 30000 ms)."""
    assert (CircuitBreakerConfig().failure_threshold, CircuitBreakerConfig().reset_timeout) == (
        5,
        30_000,
    )
    chain = breaker(FakeClock(), Script(fail=True))
    for n in range(5):
        with pytest.raises(ConnectionError):
            await chain(n)
    with pytest.raises(CircuitOpenError):
        await chain(5)


# -- rate limit --------------------------------------------------------------------------------


def limiter(clock: FakeClock, task: Next, **config: Any) -> Next:
    return RateLimitMiddleware(clock=clock).wrap(task, info("task.rl"), RateLimitConfig(**config))


async def test_rate_limit_allows_requests_within_the_limit() -> None:
    """rateLimit: "should allow requests within limit"."""
    chain = limiter(FakeClock(), Script(), window_ms=1000, max=3)
    assert [await chain(n) for n in range(3)] == ["ok 0", "ok 1", "ok 2"]


async def test_rate_limit_refuses_past_the_limit() -> None:
    """rateLimit: "should throw RateLimitError when exceeding limit"."""
    task = Script()
    chain = limiter(FakeClock(), task, window_ms=1000, max=1)
    await chain(1)
    with pytest.raises(RateLimitExceededError, match="Rate limit exceeded") as refused:
        await chain(2)
    assert task.calls == [1]
    assert (refused.value.id, refused.value.http_code) == (
        "runner.errors.middleware.rateLimitExceeded",
        429,
    )


async def test_rate_limit_resets_after_the_window() -> None:
    """rateLimit: "should reset after window expires"."""
    clock = FakeClock()
    chain = limiter(clock, Script(), window_ms=1000, max=1)
    await chain(1)
    await clock.advance(1.5)
    assert await chain(2) == "ok 2"


async def test_rate_limit_resets_exactly_at_the_window_boundary() -> None:
    """rateLimit: "should reset exactly at window boundary" (now >= resetTime)."""
    clock = FakeClock()
    task = Script()
    chain = limiter(clock, task, window_ms=100, max=1)
    await chain(1)
    await clock.advance(0.1)
    await chain(2)
    assert task.calls == [1, 2]


def test_rate_limit_config_keeps_what_with_was_given() -> None:
    """rateLimit: "should validate config on with()"."""
    config = RateLimitConfig(window_ms=1000, max=1)
    assert (config.window_ms, config.max) == (1000, 1)


@pytest.mark.parametrize(
    "fields",
    [
        {"window_ms": math.inf, "max": 1},
        {"window_ms": 0, "max": 1},
        {"window_ms": -5, "max": 1},
        {"window_ms": 1000, "max": math.inf},
        {"window_ms": 1000, "max": 0},
    ],
    ids=["window-not-finite", "window-zero", "window-negative", "max-not-finite", "max-zero"],
)
def test_rate_limit_refuses_invalid_configs(fields: dict[str, Any]) -> None:
    """rateLimit: "should throw when windowMs is not finite" / "is not positive" / "max is not
    finite" / "max is not positive"."""
    with pytest.raises(MiddlewareConfigError):
        RateLimitConfig(**fields)


# -- debounce / throttle -----------------------------------------------------------------------


async def test_debounce_shares_an_error_with_every_caller() -> None:
    """temporal.debounce: "should handle errors in debounced task"."""
    clock = FakeClock()
    task = Script(fail=True)
    chain = DebounceMiddleware(clock=clock).wrap(task, info("task.deb"), DebounceConfig(ms=50))
    calls = [spawn(chain(n)) for n in (1, 2)]
    await settle()
    await clock.advance(0.05)
    for call in calls:
        with pytest.raises(ConnectionError, match="fail 2"):
            await call
    assert task.calls == [2]


def throttler(clock: FakeClock, task: Next) -> tuple[ThrottleMiddleware, Next]:
    middleware = ThrottleMiddleware(clock=clock)
    return middleware, middleware.wrap(task, info("task.thr"), ThrottleConfig(ms=50))


async def test_throttle_runs_at_once_when_the_window_has_passed() -> None:
    """temporal.throttle: "should execute immediately if enough time has passed"."""
    clock = FakeClock()
    task = Script()
    _, chain = throttler(clock, task)
    assert await chain(1) == "ok 1"
    await clock.advance(0.06)
    assert await chain(2) == "ok 2"
    assert task.calls == [1, 2]


async def test_throttle_passes_an_immediate_error_to_its_caller() -> None:
    """temporal.throttle: "should handle errors in throttled task"."""
    _, chain = throttler(FakeClock(), Script(fail=True))
    with pytest.raises(ConnectionError, match="fail 1"):
        await chain(1)


async def test_throttle_fails_the_scheduled_callers_when_the_scheduled_run_fails() -> None:
    """temporal.throttle: "should reject scheduled callers when the scheduled execution
    fails"."""
    clock = FakeClock()
    task = Script()
    _, chain = throttler(clock, task)
    assert await chain("a") == "ok a"
    task.fail = True
    scheduled = spawn(chain("b"))
    await settle()
    await clock.advance(0.05)
    with pytest.raises(ConnectionError, match="fail b"):
        await scheduled


async def test_throttle_runs_the_latest_input_at_the_end_of_the_window() -> None:
    """temporal.throttle: "should clear latestInput after scheduled execution completes" (the
    scheduled run uses the latest input; the next window starts fresh)."""
    clock = FakeClock()
    task = Script()
    _, chain = throttler(clock, task)
    await chain(1)
    pending = [spawn(chain(2)), spawn(chain(3))]
    await settle()
    await clock.advance(0.05)
    assert [await call for call in pending] == ["ok 3", "ok 3"]
    await clock.advance(0.05)
    assert await chain(4) == "ok 4"
    assert task.calls == [1, 3, 4]


@pytest.mark.parametrize("kind", ["debounce", "throttle"])
async def test_dispose_rejects_pending_callers_with_runners_message(kind: str) -> None:
    """temporal.dispose: "rejects pending debounce callers when runtime is disposed" and
    "rejects pending throttle callers when runtime is disposed"."""
    clock = FakeClock()
    task = Script()
    middleware: DebounceMiddleware | ThrottleMiddleware
    if kind == "debounce":
        middleware = DebounceMiddleware(clock=clock)
        chain = middleware.wrap(task, info("task.d"), DebounceConfig(ms=50))
    else:
        middleware = ThrottleMiddleware(clock=clock)
        chain = middleware.wrap(task, info("task.t"), ThrottleConfig(ms=50))
        await chain("leading")
    pending = spawn(chain("pending"))
    await settle()
    await middleware.dispose()
    with pytest.raises(
        TemporalDisposedError, match=r"^Temporal middleware resource has been"
    ) as disposed:
        await pending
    assert "pending" not in task.calls
    assert disposed.value.id == "runner.errors.middleware.temporalDisposed"


@pytest.mark.parametrize("kind", ["debounce", "throttle"])
async def test_a_disposed_temporal_middleware_refuses_new_calls(kind: str) -> None:
    """temporal.dispose: "throws immediately when debounce middleware state is already disposed"
    and the throttle twin."""
    clock = FakeClock()
    middleware: DebounceMiddleware | ThrottleMiddleware
    if kind == "debounce":
        middleware = DebounceMiddleware(clock=clock)
        chain = middleware.wrap(Script(), info("task.d"), DebounceConfig(ms=50))
    else:
        middleware = ThrottleMiddleware(clock=clock)
        chain = middleware.wrap(Script(), info("task.t"), ThrottleConfig(ms=50))
    await middleware.dispose()
    with pytest.raises(TemporalDisposedError):
        await chain(1)


# -- concurrency -------------------------------------------------------------------------------


async def test_concurrency_limit_holds_extra_calls_until_a_permit_frees() -> None:
    """concurrency: "should limit concurrent executions using 'limit' config"."""
    task = Script()
    task.gate = asyncio.Event()
    chain = ConcurrencyMiddleware().wrap(task, info("task.c"), ConcurrencyConfig(limit=2))
    calls = [spawn(chain(n)) for n in range(3)]
    await settle()
    assert task.calls == [0, 1]
    task.gate.set()
    assert [await call for call in calls] == ["ok 0", "ok 1", "ok 2"]


async def test_concurrency_key_shares_one_limit_across_tasks() -> None:
    """concurrency: "should share semaphore across tasks when explicit 'key' is provided"."""
    middleware = ConcurrencyMiddleware()
    first, second = Script(), Script()
    first.gate = second.gate = asyncio.Event()
    a = middleware.wrap(first, info("task.a"), ConcurrencyConfig(limit=1, key="db"))
    b = middleware.wrap(second, info("task.b"), ConcurrencyConfig(limit=1, key="db"))
    calls = [spawn(a(1)), spawn(b(2))]
    await settle()
    assert (first.calls, second.calls) == ([1], [])
    first.gate.set()
    assert [await call for call in calls] == ["ok 1", "ok 2"]


def test_concurrency_key_reused_with_another_limit_is_a_conflict() -> None:
    """concurrency: "should throw when same key is reused with different limits"."""
    middleware = ConcurrencyMiddleware()
    middleware.wrap(Script(), info("task.a"), ConcurrencyConfig(limit=1, key="db"))
    with pytest.raises(ConcurrencyConflictError, match='key "db"') as conflict:
        middleware.wrap(Script(), info("task.b"), ConcurrencyConfig(limit=2, key="db"))
    assert conflict.value.id == "runner.errors.middleware.concurrencyConflict"


async def test_concurrency_releases_the_permit_when_the_task_fails() -> None:
    """concurrency: "should release permit when task fails"."""
    task = Script(fail=True)
    chain = ConcurrencyMiddleware().wrap(task, info("task.c"), ConcurrencyConfig(limit=1))
    for n in (1, 2):
        with pytest.raises(ConnectionError):
            await chain(n)
    task.fail = False
    assert await chain(3) == "ok 3"


# -- cache ---------------------------------------------------------------------------------------


def test_cache_takes_key_fn_or_key_builder_not_both() -> None:
    """cache: "should handle custom keyBuilder configuration properly" -- Runner's
    ``keyBuilder(taskId, input)``, or the ``key_fn(input)`` shorthand, never both at once."""
    assert CacheConfig(key_builder=lambda task_id, input: task_id).key_builder is not None
    with pytest.raises(MiddlewareConfigError, match="key_fn or key_builder"):
        CacheConfig(key_fn=str, key_builder=lambda task_id, input: task_id)


# -- fallback ----------------------------------------------------------------------------------


def fallback(task: Next, value: Any) -> Next:
    return FallbackMiddleware().wrap(task, info("task.f"), FallbackConfig(fallback=value))


async def test_fallback_value_answers_a_failure() -> None:
    """fallback: "should return fallback value when task fails"."""
    assert await fallback(Script(fail=True), "fallback")(1) == "fallback"


async def test_fallback_leaves_a_success_alone() -> None:
    """fallback: "should return original result when task succeeds"."""
    assert await fallback(Script(), "fallback")(1) == "ok 1"


async def test_fallback_function_gets_the_error_and_the_input() -> None:
    """fallback: "should execute fallback function when task fails"."""
    chain = fallback(Script(fail=True), lambda error, input: f"{type(error).__name__} {input}")
    assert await chain(7) == "ConnectionError 7"


async def test_fallback_task_runs_with_the_same_input() -> None:
    """fallback: "should execute fallback task when task fails"."""
    backup = Script()
    assert await fallback(Script(fail=True), FallbackTask(backup))(5) == "ok 5"
    assert backup.calls == [5]


# -- retry -------------------------------------------------------------------------------------


def retrying(clock: FakeClock, task: Next, **config: Any) -> Next:
    middleware = RetryMiddleware(clock=clock, jitter=lambda: 0.0)
    return middleware.wrap(task, info("task.r"), RetryConfig(**config))


class FailsTimes:
    def __init__(self, times: int) -> None:
        self.times = times
        self.calls = 0

    async def __call__(self, input: Any) -> Any:
        self.calls += 1
        if self.calls <= self.times:
            raise ConnectionError(f"attempt {self.calls}")
        return "Success"


async def test_retry_backs_off_exponentially_until_success() -> None:
    """retry: "should retry failed operations with exponential backoff" (100 * 2**attempt ms
    plus jitter of up to half of that; jitter 0 here)."""
    clock = FakeClock(auto_advance=True)
    task = FailsTimes(2)
    assert await retrying(clock, task, retries=3)("x") == "Success"
    assert (task.calls, clock.sleeps) == (3, [0.1, 0.2])


async def test_retry_stops_when_stop_retry_if_says_so() -> None:
    """retry: "should respect stopRetryIf condition"."""
    task = FailsTimes(5)
    chain = retrying(FakeClock(auto_advance=True), task, stop_retry_if=lambda e: True)
    with pytest.raises(ConnectionError, match="attempt 1"):
        await chain("x")
    assert task.calls == 1


async def test_retry_uses_a_custom_delay_strategy() -> None:
    """retry: "should use custom delay strategy" ((attempt, error) -> ms)."""
    clock = FakeClock(auto_advance=True)
    task = FailsTimes(2)
    chain = retrying(clock, task, delay_strategy=lambda attempt, error: 10 * (attempt + 1))
    assert await chain("x") == "Success"
    assert clock.sleeps == [0.01, 0.02]


async def test_retry_defaults_to_three_retries() -> None:
    """retry: "Should default to 3 retries"."""
    task = FailsTimes(10)
    with pytest.raises(ConnectionError, match="attempt 4"):
        await retrying(FakeClock(auto_advance=True), task)("x")
    assert task.calls == 4


async def test_cancelling_during_the_backoff_stops_the_retry() -> None:
    """retry: "cancels retry delay when abort signal fires" (Python: task cancellation)."""
    clock = FakeClock()
    task = FailsTimes(10)
    running = spawn(retrying(clock, task)("x"))
    await settle()
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    await clock.advance(10)
    assert task.calls == 1


# -- timeout -----------------------------------------------------------------------------------


def bounded(task: Next, ttl: int) -> Next:
    return TimeoutMiddleware().wrap(task, info("task.t"), TimeoutConfig(ttl=ttl))


async def test_timeout_ends_a_long_task_after_ttl() -> None:
    """timeout: "should abort long-running tasks after ttl" (message "Operation timed out
    after <ttl>ms")."""

    async def never(input: Any) -> Any:
        await asyncio.Event().wait()

    with pytest.raises(TaskTimeoutError, match="Operation timed out after 10ms") as timed_out:
        await bounded(never, 10)("x")
    # Runner's id; the status is 504, not Runner's 408 (deliberate: see TaskTimeoutError).
    assert (timed_out.value.id, timed_out.value.http_code) == (
        "runner.errors.middleware.timeout",
        504,
    )


async def test_timeout_lets_a_fast_task_finish() -> None:
    """timeout: "should allow tasks to complete before ttl"."""
    assert await bounded(Script(), 60_000)("x") == "ok x"


async def test_timeout_zero_fails_at_once_without_running() -> None:
    """timeout: "should throw immediately when ttl is 0"."""
    task = Script()
    with pytest.raises(TaskTimeoutError, match="Operation timed out after 0ms"):
        await bounded(task, 0)("x")
    assert task.calls == []


async def test_timeout_passes_the_tasks_own_error_through() -> None:
    """timeout: "should propagate errors thrown inside wrapped task"."""
    with pytest.raises(ConnectionError, match="fail x"):
        await bounded(Script(fail=True), 60_000)("x")


# -- require context ---------------------------------------------------------------------------


async def test_require_context_fails_with_the_contexts_error_when_absent() -> None:
    """requireContext: "throws ContextError when the context has not been provided" (Runner's
    id ``runner.errors.context``)."""
    context: AsyncContext[str] = AsyncContext("app.ctx.user")
    task = Script()
    chain = RequireContextMiddleware().wrap(
        task, info("task.rc"), RequireContextConfig(context=context)
    )
    with pytest.raises(ContextError) as caught:
        await chain("x")
    assert caught.value.id == "runner.errors.context"
    assert task.calls == []


async def test_require_context_passes_the_input_through_when_provided() -> None:
    """requireContext: "passes task.input to next() and returns its result when called within
    a task"."""
    context: AsyncContext[str] = AsyncContext("app.ctx.user")
    chain = RequireContextMiddleware().wrap(
        Script(), info("task.rc"), RequireContextConfig(context=context)
    )
    with context.provide("ada"):
        assert await chain("x") == "ok x"
