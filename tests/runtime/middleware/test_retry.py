from __future__ import annotations

import asyncio
from typing import Any

import pytest

from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.middleware import (
    CircuitOpenError,
    MiddlewareConfigError,
    RateLimitExceededError,
    RetryConfig,
    RetryMiddleware,
    TaskTimeoutError,
    TimeoutConfig,
    TimeoutMiddleware,
    deadline_scope,
)

from .fakes import FakeClock, settle, spawn

INFO = DefinitionInfo("app.tasks.flaky")


class Flaky:
    """Fails with a fresh error on each of the first ``failures`` calls, then returns input."""

    def __init__(self, failures: int, make_error: type[Exception] = ValueError) -> None:
        self.failures = failures
        self.make_error = make_error
        self.errors: list[Exception] = []
        self.calls = 0

    async def __call__(self, input: Any) -> Any:
        self.calls += 1
        if self.calls <= self.failures:
            error = self.make_error(f"failure {self.calls}")
            self.errors.append(error)
            raise error
        return input


def retrying(task: Next, config: RetryConfig, clock: FakeClock, jitter: float = 0.0) -> Next:
    return RetryMiddleware(clock=clock, jitter=lambda: jitter).wrap(task, INFO, config)


def test_defaults_mirror_runner() -> None:
    config = RetryConfig()
    assert (config.retries, config.delay_strategy, config.stop_retry_if) == (3, None, None)


def test_negative_retries_is_a_config_error() -> None:
    with pytest.raises(MiddlewareConfigError, match="retries"):
        RetryConfig(retries=-1)


async def test_success_on_the_first_attempt_neither_retries_nor_sleeps() -> None:
    clock = FakeClock(auto_advance=True)
    task = Flaky(failures=0)
    assert await retrying(task, RetryConfig(), clock)("ok") == "ok"
    assert (task.calls, clock.sleeps) == (1, [])


async def test_recovers_after_failures_with_exponential_backoff_plus_jitter() -> None:
    clock = FakeClock(auto_advance=True)
    task = Flaky(failures=2)
    assert await retrying(task, RetryConfig(), clock, jitter=0.5)("ok") == "ok"
    assert task.calls == 3
    assert clock.sleeps == pytest.approx([0.125, 0.25])  # 100 + 25 ms, then 200 + 50 ms


async def test_default_jitter_stays_below_half_the_base() -> None:
    clock = FakeClock(auto_advance=True)
    chain = RetryMiddleware(clock=clock).wrap(Flaky(failures=3), INFO, RetryConfig())
    await chain("ok")
    for attempt, slept in enumerate(clock.sleeps):
        base = 0.1 * 2**attempt
        assert base <= slept < base * 1.5


async def test_rethrows_the_last_error_once_retries_are_spent() -> None:
    clock = FakeClock(auto_advance=True)
    task = Flaky(failures=10)
    with pytest.raises(ValueError) as caught:
        await retrying(task, RetryConfig(retries=2), clock)("x")
    assert task.calls == 3
    assert caught.value is task.errors[-1]


async def test_zero_retries_runs_once() -> None:
    clock = FakeClock(auto_advance=True)
    task = Flaky(failures=1)
    with pytest.raises(ValueError):
        await retrying(task, RetryConfig(retries=0), clock)("x")
    assert task.calls == 1


async def test_delay_strategy_gets_the_zero_based_attempt_and_the_error() -> None:
    clock = FakeClock(auto_advance=True)
    task = Flaky(failures=2)
    seen: list[tuple[int, str]] = []

    def delay(attempt: int, error: Exception) -> float:
        seen.append((attempt, str(error)))
        return 7.0 if attempt == 0 else -5.0  # negative delays are treated as no delay

    await retrying(task, RetryConfig(delay_strategy=delay), clock)("x")
    assert seen == [(0, "failure 1"), (1, "failure 2")]
    assert clock.sleeps == [0.007, 0.0]


async def test_stop_retry_if_gives_up_at_once() -> None:
    clock = FakeClock(auto_advance=True)
    task = Flaky(failures=5, make_error=KeyError)
    config = RetryConfig(stop_retry_if=lambda error: isinstance(error, KeyError))
    with pytest.raises(KeyError):
        await retrying(task, config, clock)("x")
    assert (task.calls, clock.sleeps) == (1, [])


class OpenCircuit(CircuitOpenError):
    def __init__(self, message: str) -> None:
        super().__init__("app.tasks.flaky", retry_after=1.0)


class Limited(RateLimitExceededError):
    def __init__(self, message: str) -> None:
        super().__init__(key="k", limit=1, reset_at=0.0, retry_after=1.0)


@pytest.mark.parametrize("rejection", [OpenCircuit, Limited])
async def test_fail_fast_rejections_are_not_retried_by_default(
    rejection: type[Exception],
) -> None:
    clock = FakeClock(auto_advance=True)
    task = Flaky(failures=5, make_error=rejection)
    with pytest.raises(rejection):
        await retrying(task, RetryConfig(), clock)("x")
    assert task.calls == 1


async def test_a_custom_stop_retry_if_replaces_the_default() -> None:
    clock = FakeClock(auto_advance=True)
    task = Flaky(failures=1, make_error=OpenCircuit)
    config = RetryConfig(stop_retry_if=lambda error: False)
    assert await retrying(task, config, clock)("ok") == "ok"
    assert task.calls == 2


async def test_cancellation_from_the_task_is_never_retried() -> None:
    clock = FakeClock(auto_advance=True)
    calls = 0

    async def task(input: Any) -> Any:
        nonlocal calls
        calls += 1
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await retrying(task, RetryConfig(stop_retry_if=lambda e: False), clock)("x")
    assert calls == 1


async def test_cancellation_during_the_backoff_sleep_stops_at_once() -> None:
    clock = FakeClock()  # time moves only when advanced: the retry stays asleep
    task = Flaky(failures=10)
    running = spawn(retrying(task, RetryConfig(), clock)("x"))
    await settle()
    assert (task.calls, len(clock.sleeps)) == (1, 1)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    await clock.advance(60)
    assert task.calls == 1


async def test_a_backoff_past_the_enclosing_deadline_is_still_slept() -> None:
    """Runner 5.5 sleeps the backoff; only the enclosing timeout cuts it short."""
    clock = FakeClock(auto_advance=True)
    task = Flaky(failures=2)
    with deadline_scope(clock.now() + 0.25):
        assert await retrying(task, RetryConfig(), clock)("x") == "x"
    assert clock.sleeps == [0.1, 0.2]


async def test_a_timeout_of_the_enclosing_deadline_is_not_retried() -> None:
    clock = FakeClock(auto_advance=True)
    calls = 0

    async def task(input: Any) -> Any:
        nonlocal calls
        calls += 1
        raise TaskTimeoutError(1000, task_id="caller", deadline=clock.now() + 1)

    with deadline_scope(clock.now() + 1), pytest.raises(TaskTimeoutError):
        await retrying(task, RetryConfig(delay_strategy=lambda a, e: 0), clock)("x")
    assert calls == 1


async def test_a_per_attempt_timeout_inside_retry_is_retried() -> None:
    clock = FakeClock(auto_advance=True)
    task = Flaky(failures=1)

    async def attempt(input: Any) -> Any:
        try:
            return await task(input)
        except ValueError:
            raise TaskTimeoutError(10, task_id="attempt", deadline=clock.now() + 0.01) from None

    with deadline_scope(clock.now() + 10):
        chain = retrying(attempt, RetryConfig(delay_strategy=lambda a, e: 0), clock)
        assert await chain("ok") == "ok"
    assert task.calls == 2


async def test_retry_inside_a_timeout_ends_with_the_timeout_error() -> None:
    """The backoff (0.1 s) outlasts the timeout (20 ms): when the clock reaches the timeout's
    deadline, the caller gets the timeout error, not the task's."""
    clock = FakeClock()
    task = Flaky(failures=10)
    inner = retrying(task, RetryConfig(), clock)
    chain = TimeoutMiddleware(clock=clock).wrap(inner, INFO, TimeoutConfig(ttl=20))
    call = spawn(chain("x"))
    await settle()
    await clock.advance(0.02)
    with pytest.raises(TaskTimeoutError):
        await call
    assert task.calls == 1
    assert 0.1 in clock.sleeps  # the backoff that never finished
