"""Redis circuit breaker: the memory breaker's state machine, shared through Redis."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from redis.asyncio import Redis

from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.middleware.circuit_breaker import CircuitState
from runner_gen.runtime.middleware.errors import CircuitOpenError, MiddlewareConfigError
from runner_gen.runtime.redis import (
    RedisCircuitBreakerConfig,
    RedisCircuitBreakerMiddleware,
    RedisUnavailableError,
)
from tests.redis.conftest import ManualClock

INFO = DefinitionInfo("app.tasks.charge")


class Boom(Exception):
    pass


class Flaky:
    """A task whose outcome the test sets; ``gate`` (when set) holds calls until released."""

    def __init__(self) -> None:
        self.calls = 0
        self.fail = False
        self.gate: asyncio.Event | None = None
        self.entered = asyncio.Event()

    def hold(self) -> asyncio.Event:
        """Hold the next calls until the returned event is set; ``entered`` tells one arrived."""
        self.gate = asyncio.Event()
        self.entered.clear()
        return self.gate

    async def __call__(self, input: Any) -> Any:
        self.calls += 1
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        if isinstance(input, Boom):
            raise input
        if self.fail:
            raise Boom(input)
        return input


@pytest.fixture
async def breaker(clock: ManualClock) -> Any:
    middleware = RedisCircuitBreakerMiddleware(clock=clock)
    yield middleware
    await middleware.dispose()


def guard(
    middleware: RedisCircuitBreakerMiddleware,
    prefix: str,
    task: Next,
    *,
    threshold: int = 2,
    reset_ms: int = 1000,
    **options: Any,
) -> Next:
    config = RedisCircuitBreakerConfig(
        failure_threshold=threshold, reset_timeout=reset_ms, prefix=prefix, **options
    )
    return middleware.wrap(task, INFO, config)


async def call(chain: Next, input: Any) -> Any:
    return await chain(input)


async def fail(chain: Next, input: Any = "x") -> None:
    with pytest.raises(Boom):
        await chain(input)


async def test_failures_below_the_threshold_keep_the_circuit_closed(
    breaker: RedisCircuitBreakerMiddleware, prefix: str
) -> None:
    task = Flaky()
    chain = guard(breaker, prefix, task, threshold=3)
    task.fail = True
    await fail(chain)
    await fail(chain)
    snapshot = await breaker.snapshot(INFO.id)
    assert (snapshot.state, snapshot.failures) == (CircuitState.CLOSED, 2)
    task.fail = False
    assert await chain("ok") == "ok"
    assert (await breaker.snapshot(INFO.id)).failures == 0  # consecutive failures only


async def test_the_threshold_opens_the_circuit_and_calls_fail_fast(
    breaker: RedisCircuitBreakerMiddleware, prefix: str, clock: ManualClock
) -> None:
    task = Flaky()
    task.fail = True
    chain = guard(breaker, prefix, task, threshold=2, reset_ms=30_000)
    await fail(chain)
    await fail(chain)
    clock.advance(10)
    with pytest.raises(CircuitOpenError) as caught:
        await chain("rejected")
    assert task.calls == 2
    assert caught.value.retry_after == pytest.approx(20.0)
    assert caught.value.http_code == 503
    snapshot = await breaker.snapshot(INFO.id)
    assert snapshot.state is CircuitState.OPEN
    assert snapshot.blocked_until == pytest.approx(clock.now() + 20.0)


async def test_after_the_reset_timeout_one_probe_runs_and_success_closes(
    breaker: RedisCircuitBreakerMiddleware, prefix: str, clock: ManualClock
) -> None:
    task = Flaky()
    chain = guard(breaker, prefix, task, threshold=1)
    task.fail = True
    await fail(chain)
    clock.advance(1.0)
    task.fail = False
    gate = task.hold()
    probe = asyncio.create_task(call(chain, "probe"))
    await task.entered.wait()
    assert (await breaker.snapshot(INFO.id)).state is CircuitState.HALF_OPEN
    with pytest.raises(CircuitOpenError):
        await chain("second caller while the probe runs")
    gate.set()
    assert await probe == "probe"
    assert (await breaker.snapshot(INFO.id)).state is CircuitState.CLOSED
    task.gate = None
    assert await chain("after") == "after"


async def test_a_failed_probe_opens_the_circuit_again(
    breaker: RedisCircuitBreakerMiddleware, prefix: str, clock: ManualClock
) -> None:
    task = Flaky()
    task.fail = True
    chain = guard(breaker, prefix, task, threshold=1, reset_ms=1000)
    await fail(chain)
    clock.advance(1.0)
    await fail(chain, "probe")
    with pytest.raises(CircuitOpenError) as caught:
        await chain("rejected")
    assert caught.value.retry_after == pytest.approx(1.0)
    assert task.calls == 2


async def test_a_hung_probe_loses_its_lease_and_its_late_result_is_ignored(
    breaker: RedisCircuitBreakerMiddleware, prefix: str, clock: ManualClock
) -> None:
    task = Flaky()
    task.fail = True
    chain = guard(breaker, prefix, task, threshold=1, reset_ms=1000)
    await fail(chain)
    clock.advance(1.0)
    gate = task.hold()
    hung = asyncio.create_task(call(chain, Boom("hung probe, fails late")))
    await task.entered.wait()
    clock.advance(1.0)  # the lease ran out: a new probe is admitted
    task.fail = False
    second = asyncio.create_task(call(chain, "second probe"))
    await asyncio.sleep(0.05)
    gate.set()
    assert await second == "second probe"
    with pytest.raises(Boom):
        await hung  # fails late, after the second probe closed the circuit
    snapshot = await breaker.snapshot(INFO.id)
    assert (snapshot.state, snapshot.failures) == (CircuitState.CLOSED, 0)


async def test_a_cancelled_probe_frees_the_slot_at_once(
    breaker: RedisCircuitBreakerMiddleware, prefix: str, clock: ManualClock
) -> None:
    task = Flaky()
    task.fail = True
    chain = guard(breaker, prefix, task, threshold=1, reset_ms=1000)
    await fail(chain)
    clock.advance(1.0)
    task.hold()
    probe = asyncio.create_task(call(chain, "probe"))
    await task.entered.wait()
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    task.fail, task.gate = False, None
    assert await chain("next probe, no waiting") == "next probe, no waiting"
    assert (await breaker.snapshot(INFO.id)).state is CircuitState.CLOSED


async def test_cancellation_while_closed_is_neither_success_nor_failure(
    breaker: RedisCircuitBreakerMiddleware, prefix: str
) -> None:
    task = Flaky()
    task.fail = True
    chain = guard(breaker, prefix, task, threshold=3)
    await fail(chain)
    task.fail = False
    task.hold()
    cancelled = asyncio.create_task(call(chain, "cancelled"))
    await task.entered.wait()
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    snapshot = await breaker.snapshot(INFO.id)
    assert (snapshot.state, snapshot.failures) == (CircuitState.CLOSED, 1)


async def test_a_failure_that_started_before_the_circuit_opened_is_ignored(
    breaker: RedisCircuitBreakerMiddleware, prefix: str, clock: ManualClock
) -> None:
    slow, fast = Flaky(), Flaky()
    slow.fail = fast.fail = True
    gate = slow.hold()
    slow_chain = guard(breaker, prefix, slow, threshold=1, reset_ms=1000)
    fast_chain = guard(breaker, prefix, fast, threshold=1, reset_ms=1000)
    late = asyncio.create_task(call(slow_chain, "admitted while closed"))
    await slow.entered.wait()
    await fail(fast_chain)  # opens the circuit
    clock.advance(0.5)
    gate.set()
    with pytest.raises(Boom):
        await late
    snapshot = await breaker.snapshot(INFO.id)
    # Not re-opened by the late failure: the break still ends 1 s after the first opening.
    assert snapshot.state is CircuitState.OPEN
    assert snapshot.blocked_until == pytest.approx(clock.now() + 0.5)


async def test_processes_share_the_circuit(prefix: str, clock: ManualClock) -> None:
    in_a, in_b = (RedisCircuitBreakerMiddleware(clock=clock) for _ in range(2))
    task_a, task_b = Flaky(), Flaky()
    task_a.fail = True
    try:
        await fail(guard(in_a, prefix, task_a, threshold=1))
        with pytest.raises(CircuitOpenError):
            await guard(in_b, prefix, task_b, threshold=1)("in B")
        assert task_b.calls == 0
    finally:
        await in_a.dispose()
        await in_b.dispose()


async def test_server_time_drives_the_break_when_no_clock_is_injected(prefix: str) -> None:
    middleware = RedisCircuitBreakerMiddleware()
    task = Flaky()
    task.fail = True
    chain = guard(middleware, prefix, task, threshold=1, reset_ms=100)
    try:
        await fail(chain)
        with pytest.raises(CircuitOpenError) as caught:
            await chain("open")
        assert caught.value.retry_after is not None
        assert 0 < caught.value.retry_after <= 0.1
        assert (await middleware.snapshot(INFO.id)).state is CircuitState.OPEN
        await asyncio.sleep(0.15)
        task.fail = False
        assert await chain("probe") == "probe"
        assert (await middleware.snapshot(INFO.id)).state is CircuitState.CLOSED
    finally:
        await middleware.dispose()


async def test_a_lost_outcome_report_never_replaces_the_tasks_own_outcome(
    breaker: RedisCircuitBreakerMiddleware, prefix: str, redis: Redis
) -> None:
    key = f"{prefix}:{INFO.id}"

    async def clobber_then(outcome: Exception | None) -> str:
        await redis.delete(key)
        await redis.set(key, "not a hash")  # every script on this key now errors
        if outcome is not None:
            raise outcome
        return "result"

    chain = guard(breaker, prefix, lambda input: clobber_then(input), threshold=1)
    with pytest.raises(Boom):
        await chain(Boom())
    await redis.delete(key)
    assert await chain(None) == "result"


async def test_redis_down_is_a_typed_error_and_the_task_does_not_run(
    breaker: RedisCircuitBreakerMiddleware, prefix: str, down_url: str
) -> None:
    task = Flaky()
    chain = guard(breaker, prefix, task, url=down_url)
    async with asyncio.timeout(5):
        with pytest.raises(RedisUnavailableError):
            await chain(1)
        with pytest.raises(RedisUnavailableError):
            await breaker.snapshot(INFO.id)
    assert task.calls == 0


async def test_snapshot_of_a_task_never_wrapped_is_a_key_error(
    breaker: RedisCircuitBreakerMiddleware,
) -> None:
    with pytest.raises(KeyError):
        await breaker.snapshot("app.tasks.unknown")


@pytest.mark.parametrize(("threshold", "reset"), [(0, 1000), (1, -1)])
def test_invalid_config_is_refused(threshold: int, reset: int) -> None:
    with pytest.raises(MiddlewareConfigError):
        RedisCircuitBreakerConfig(failure_threshold=threshold, reset_timeout=reset)
