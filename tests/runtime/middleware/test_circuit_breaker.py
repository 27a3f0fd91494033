from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.middleware import (
    CircuitBreakerConfig,
    CircuitBreakerMiddleware,
    CircuitOpenError,
    CircuitState,
    MiddlewareConfigError,
)

from .fakes import FakeClock, settle, spawn

INFO = DefinitionInfo("app.tasks.remote")


class Remote:
    """A task whose calls block until the test decides each outcome."""

    def __init__(self) -> None:
        self.calls = 0
        self.pending: list[asyncio.Future[Any]] = []

    async def __call__(self, input: Any) -> Any:
        self.calls += 1
        outcome: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending.append(outcome)
        return await outcome


async def fail(input: Any) -> Any:
    raise ValueError("down")


async def ok(input: Any) -> Any:
    return input


def breaker(
    clock: FakeClock, threshold: int = 2, reset_ms: int = 1000
) -> tuple[CircuitBreakerMiddleware, CircuitBreakerConfig]:
    config = CircuitBreakerConfig(failure_threshold=threshold, reset_timeout=reset_ms)
    return CircuitBreakerMiddleware(clock=clock), config


async def trip(chain: Next, times: int) -> None:
    for _ in range(times):
        with pytest.raises(ValueError):
            await chain(None)


def test_defaults_mirror_runner() -> None:
    config = CircuitBreakerConfig()
    assert (config.failure_threshold, config.reset_timeout) == (5, 30_000)


@pytest.mark.parametrize(
    "kwargs", [{"failure_threshold": 0}, {"reset_timeout": -1}], ids=["threshold", "reset"]
)
def test_invalid_config_is_a_config_error(kwargs: dict[str, Any]) -> None:
    with pytest.raises(MiddlewareConfigError):
        CircuitBreakerConfig(**kwargs)


async def test_opens_after_threshold_consecutive_failures_and_fails_fast() -> None:
    clock = FakeClock()
    middleware, config = breaker(clock, threshold=3, reset_ms=2500)
    calls = 0

    async def task(input: Any) -> Any:
        nonlocal calls
        calls += 1
        raise ValueError("down")

    chain = middleware.wrap(task, INFO, config)
    await trip(chain, 2)
    assert middleware.snapshot(INFO.id).state is CircuitState.CLOSED
    await trip(chain, 1)
    await clock.advance(0.5)
    with pytest.raises(CircuitOpenError) as caught:
        await chain(None)
    assert calls == 3
    error = caught.value
    assert error.id == "runner.errors.middleware.circuitBreakerOpen"
    assert error.http_code == 503
    assert 'Circuit is OPEN for task "app.tasks.remote"' in str(error)
    assert error.retry_after == pytest.approx(2.0)
    snapshot = middleware.snapshot(INFO.id)
    assert (snapshot.state, snapshot.failures) == (CircuitState.OPEN, 3)


async def test_a_success_resets_the_consecutive_count() -> None:
    clock = FakeClock()
    middleware, config = breaker(clock, threshold=3)
    outcomes = iter([fail, fail, ok, fail, fail, ok])

    async def task(input: Any) -> Any:
        return await next(outcomes)(input)

    chain = middleware.wrap(task, INFO, config)
    for _ in range(6):
        with contextlib.suppress(ValueError):
            await chain(None)
    assert middleware.snapshot(INFO.id).state is CircuitState.CLOSED
    assert middleware.snapshot(INFO.id).failures == 0


async def opened_remote(clock: FakeClock) -> tuple[CircuitBreakerMiddleware, Next, Remote]:
    middleware, config = breaker(clock)
    remote = Remote()
    chain = middleware.wrap(remote, INFO, config)
    for _ in range(2):
        call = spawn(chain(None))
        await settle()
        remote.pending[-1].set_exception(ValueError("down"))
        with pytest.raises(ValueError):
            await call
    return middleware, chain, remote


async def test_after_reset_timeout_one_probe_runs_and_its_success_closes() -> None:
    clock = FakeClock()
    middleware, chain, remote = await opened_remote(clock)
    await clock.advance(1.0)
    probe = spawn(chain("probe"))
    await settle()
    assert middleware.snapshot(INFO.id).state is CircuitState.HALF_OPEN
    with pytest.raises(CircuitOpenError) as caught:
        await chain("other")
    assert caught.value.retry_after == pytest.approx(1.0)
    assert remote.calls == 3
    remote.pending[-1].set_result("fine")
    assert await probe == "fine"
    snapshot = middleware.snapshot(INFO.id)
    assert (snapshot.state, snapshot.failures) == (CircuitState.CLOSED, 0)


async def test_a_failed_probe_opens_the_circuit_again_for_a_full_reset_timeout() -> None:
    clock = FakeClock()
    middleware, config = breaker(clock)
    chain = middleware.wrap(fail, INFO, config)
    await trip(chain, 2)
    await clock.advance(1.0)
    await trip(chain, 1)  # the probe
    await clock.advance(0.9)
    with pytest.raises(CircuitOpenError) as caught:
        await chain(None)
    assert caught.value.retry_after == pytest.approx(0.1)
    assert middleware.snapshot(INFO.id).state is CircuitState.OPEN


async def test_a_hung_probe_does_not_wedge_the_breaker() -> None:
    clock = FakeClock()
    middleware, chain, remote = await opened_remote(clock)
    await clock.advance(1.0)
    hung = spawn(chain("hung"))
    await settle()
    await clock.advance(0.5)
    with pytest.raises(CircuitOpenError):
        await chain("blocked")
    await clock.advance(0.5)  # the hung probe's lease is over: a new probe is admitted
    second = spawn(chain("second"))
    await settle()
    assert remote.calls == 4
    remote.pending[-1].set_result("recovered")
    assert await second == "recovered"
    assert middleware.snapshot(INFO.id).state is CircuitState.CLOSED
    remote.pending[-2].set_exception(ValueError("late"))  # the stale probe's late failure
    with pytest.raises(ValueError):
        await hung
    assert middleware.snapshot(INFO.id).state is CircuitState.CLOSED
    assert middleware.snapshot(INFO.id).failures == 0


async def test_a_stale_probes_late_success_does_not_close_the_circuit() -> None:
    clock = FakeClock()
    middleware, chain, remote = await opened_remote(clock)
    await clock.advance(1.0)
    stale = spawn(chain("stale"))
    await settle()
    await clock.advance(1.0)
    current = spawn(chain("current"))
    await settle()
    remote.pending[-2].set_result("late")
    assert await stale == "late"
    assert middleware.snapshot(INFO.id).state is CircuitState.HALF_OPEN  # still probing
    remote.pending[-1].set_exception(ValueError("still down"))
    with pytest.raises(ValueError):
        await current
    assert middleware.snapshot(INFO.id).state is CircuitState.OPEN


async def test_a_cancelled_probe_frees_the_slot_at_once() -> None:
    clock = FakeClock()
    middleware, chain, remote = await opened_remote(clock)
    await clock.advance(1.0)
    probe = spawn(chain("probe"))
    await settle()
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    assert middleware.snapshot(INFO.id).state is CircuitState.HALF_OPEN
    next_probe = spawn(chain("next"))
    await settle()
    assert remote.calls == 4
    remote.pending[-1].set_result("up")
    assert await next_probe == "up"


async def test_cancellation_is_not_a_failure() -> None:
    clock = FakeClock()
    middleware, config = breaker(clock, threshold=1)
    remote = Remote()
    chain = middleware.wrap(remote, INFO, config)
    call = spawn(chain(None))
    await settle()
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    snapshot = middleware.snapshot(INFO.id)
    assert (snapshot.state, snapshot.failures) == (CircuitState.CLOSED, 0)


async def test_results_arriving_while_open_are_ignored() -> None:
    clock = FakeClock()
    middleware, config = breaker(clock)
    remote = Remote()
    chain = middleware.wrap(remote, INFO, config)
    slow = [spawn(chain(n)) for n in range(3)]
    await settle()
    for outcome in remote.pending[:2]:
        outcome.set_exception(ValueError("down"))
    await settle()
    opened = middleware.snapshot(INFO.id)
    assert opened.state is CircuitState.OPEN
    await clock.advance(0.5)
    remote.pending[2].set_exception(ValueError("late"))
    await settle()
    assert middleware.snapshot(INFO.id) == opened  # neither closed nor re-opened later
    for call in slow:
        with pytest.raises(ValueError):
            await call


async def test_state_is_per_wrapped_task_and_exposed_read_only() -> None:
    clock = FakeClock()
    middleware, config = breaker(clock)
    broken = middleware.wrap(fail, DefinitionInfo("app.broken"), config)
    healthy = middleware.wrap(ok, DefinitionInfo("app.healthy"), config)
    await trip(broken, 2)
    assert await healthy("fine") == "fine"
    circuits = middleware.circuits
    assert {key: c.state for key, c in circuits.items()} == {
        "app.broken": CircuitState.OPEN,
        "app.healthy": CircuitState.CLOSED,
    }
    with pytest.raises(TypeError):
        circuits["app.x"] = circuits["app.broken"]  # type: ignore[index]
    with pytest.raises(KeyError):
        middleware.snapshot("app.unknown")


async def test_zero_reset_timeout_admits_a_probe_immediately() -> None:
    clock = FakeClock()
    middleware, config = breaker(clock, threshold=1, reset_ms=0)
    chain = middleware.wrap(fail, INFO, config)
    await trip(chain, 3)  # every call is a probe; none is rejected
