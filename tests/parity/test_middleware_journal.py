"""The built-in middleware's journal keys in a generated app, ported from Runner 5.5's
src/__tests__/globals/middleware/journal.cache-retry.test.ts and
journal.fallback-rateLimit-circuitBreaker.test.ts (tag 5.5.0).

A chain has a journal when its task or one of its custom middleware takes ``journal``; only
then do the built-ins write their keys (decided at build time, checked below too).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from runner_gen.runtime.journal import CURRENT_JOURNAL
from runner_gen.runtime.middleware import CircuitState, RateLimitExceededError, TaskTimeoutError
from runner_gen.testing import FakeClock
from tests.parity.apps import journal_keys as defs
from tests.support.build import build_app, generate_files

wiring = build_app("tests.parity.apps.journal_keys:app")
CLOSED, OPEN = CircuitState.CLOSED, CircuitState.OPEN


@pytest.fixture(autouse=True)
def fresh_state() -> Iterator[None]:
    defs.reset()
    yield
    defs.reset()


async def test_retry_exposes_the_attempt_and_the_last_error() -> None:
    """journal.cache-retry: "should expose attempt count and lastError in journal"."""
    async with wiring.running() as app:
        assert await app.tasks.fail_once() == "success"
    [(first_attempt, first_error), (attempt, last_error)] = defs.SEEN
    assert (first_attempt, first_error) == (0, None)
    assert attempt == 1  # the second attempt, counted from 0
    assert isinstance(last_error, RuntimeError)
    assert str(last_error) == "Transient failure"


async def test_retry_starts_at_attempt_zero() -> None:
    """journal.cache-retry: "should start with attempt 0 on first call"."""
    async with wiring.running() as app:
        await app.tasks.retry_success()
    assert defs.SEEN == [0]


async def test_cache_exposes_whether_the_result_was_a_hit() -> None:
    """journal.cache-retry: "should expose hit status in journal"."""
    async with wiring.running() as app:
        first = await app.tasks.cache_task()
        second = await app.tasks.cache_task()
    assert first == second == {"value": "computed"}
    assert defs.SEEN == [False, True]


async def test_falsy_values_are_cached_and_their_hits_recorded() -> None:
    """cache.middleware: "should cache falsy values and record hit flag"."""
    async with wiring.running() as app:
        assert await app.tasks.falsy(0) == 0
        assert await app.tasks.falsy(0) == 0
        assert await app.tasks.falsy(False) is False
    assert defs.CALLS["echo_counted"] == 2
    assert defs.SEEN == [False, True, False]


async def test_cache_under_retry_rewrites_its_key_without_failing() -> None:
    """journal.cache-retry: "should not throw when cache is re-run under retry" (the second
    attempt writes ``cache.hit`` again: the built-ins write with override)."""
    async with wiring.running() as app:
        assert await app.tasks.no_throw() == "ok"
    assert defs.SEEN == [False, False]
    assert defs.CALLS["cache_under_retry"] == 2


async def test_fallback_is_inactive_while_the_primary_runs() -> None:
    """journal.fallback-rateLimit-circuitBreaker: "should expose active=false before failure"."""
    async with wiring.running() as app:
        assert await app.tasks.failing() == "fallback: Primary failed"
    assert defs.SEEN == [False]


async def test_fallback_exposes_active_and_the_error_once_it_answers() -> None:
    """journal.fallback-rateLimit-circuitBreaker: "should expose active=true and error when
    fallback triggers"."""
    async with wiring.running() as app:
        assert await app.tasks.fallback_observed() == "default"
    assert defs.SEEN == [(True, "Primary failed")]


async def test_fallback_stays_inactive_when_the_primary_succeeds() -> None:
    """journal.fallback-rateLimit-circuitBreaker: "should keep active=false when primary
    succeeds"."""
    async with wiring.running() as app:
        assert await app.tasks.fallback_success() == "success"
    assert defs.SEEN == [False]


async def test_rate_limit_exposes_remaining_reset_time_and_limit() -> None:
    """journal.fallback-rateLimit-circuitBreaker: "should expose remaining, resetTime, and
    limit in journal" (the reset time is on the middleware clock, in seconds)."""
    clock = FakeClock(start=500.0)
    async with wiring.running(overrides={"clock": clock}) as app:
        await app.tasks.rate_limit_task()
        await app.tasks.rate_limit_task()
    assert defs.SEEN == [(1, 560.0, 2), (0, 560.0, 2)]


async def test_a_refused_call_still_writes_the_rate_limit_keys() -> None:
    """Runner writes the keys before the check, so an observer sees why a call was refused."""
    async with wiring.running() as app:
        await app.tasks.rate_limit_observed()
        with pytest.raises(RateLimitExceededError):
            await app.tasks.rate_limit_observed()
    assert defs.SEEN == [(0, 1), (0, 1)]


async def test_circuit_breaker_exposes_state_and_failures() -> None:
    """journal.fallback-rateLimit-circuitBreaker: "should expose state and failures in
    journal"."""
    async with wiring.running() as app:
        await app.tasks.circuit_breaker_task()
    assert defs.SEEN == [(CLOSED, 0)]


async def test_circuit_breaker_exposes_the_state_after_the_call_settled() -> None:
    """journal.fallback-rateLimit-circuitBreaker: "should expose post-execution state
    transitions in journal" (a fake clock instead of Runner's 5 ms wait)."""
    clock = FakeClock()
    async with wiring.running(overrides={"clock": clock}) as app:
        with pytest.raises(RuntimeError, match="boom"):
            await app.tasks.transitions()
        assert defs.SEEN == [(OPEN, 1)]
        await clock.advance(0.005)
        defs.MODE["breaker"] = "success"
        assert await app.tasks.transitions() == "ok"
    assert defs.SEEN[1] == (CLOSED, 0)


async def test_an_open_circuit_writes_its_state_before_refusing() -> None:
    """Runner syncs the journal before throwing the open-circuit error."""
    clock = FakeClock()
    async with wiring.running(overrides={"clock": clock}) as app:
        with pytest.raises(RuntimeError, match="boom"):
            await app.tasks.transitions()
        with pytest.raises(Exception, match="Circuit is OPEN"):
            await app.tasks.transitions()
    assert defs.SEEN == [(OPEN, 1), (OPEN, 1)]


@pytest.mark.parametrize("clock", [None, FakeClock()], ids=["system clock", "fake clock"])
async def test_a_middleware_inside_a_timeout_can_abort_the_call(clock: FakeClock | None) -> None:
    """timeout.middleware: "should respect abort controller (task aborts early)": the journal's
    abort handle ends the call at once with the timeout's error, long before its one-hour ttl
    (the task waits for an event that never comes; the guard's plain TimeoutError, if the abort
    did nothing, would not match)."""
    overrides: Any = {} if clock is None else {"clock": clock}
    async with wiring.running(overrides=overrides) as app:
        with pytest.raises(TaskTimeoutError, match="timed out after 3600000ms"):
            async with asyncio.timeout(30):  # a hang guard, not a timing assertion
                await app.tasks.abort_task()
    [abort] = defs.ABORTS
    assert abort.aborted


@pytest.mark.parametrize("clock", [None, FakeClock()], ids=["system clock", "fake clock"])
async def test_aborting_after_the_call_is_over_does_nothing(clock: FakeClock | None) -> None:
    overrides: Any = {} if clock is None else {"clock": clock}
    async with wiring.running(overrides=overrides) as app:
        assert await app.tasks.quick() == "done"
        [abort] = defs.ABORTS
        abort.abort()
        await asyncio.sleep(0)  # one loop turn: a stray cancellation would land here
        assert await app.tasks.quick() == "done"


async def test_chains_without_a_journal_never_look_for_one() -> None:
    """The journal is decided at build time: a chain whose task and custom middleware do not
    take it gets no journal entry and the plain built-in layers (they would fail with a
    LookupError here, where no journal is set, if they looked for one)."""
    files = generate_files("tests.parity.apps.journal_keys:app").files
    wiring_source = next(text for path, text in files.items() if str(path).endswith("wiring.py"))
    factory = wiring_source[wiring_source.index("def _task_bare") :]
    factory = factory[: factory.index("\n\n\n")]
    assert "journaled" not in factory
    assert CURRENT_JOURNAL.get(None) is None
    async with wiring.running() as app:
        assert await app.tasks.bare() == "ok"
        assert await app.tasks.bare() == "ok"  # a cache hit this time


def test_journaled_chains_are_marked_for_the_built_ins() -> None:
    files = generate_files("tests.parity.apps.journal_keys:app").files
    wiring_source = next(text for path, text in files.items() if str(path).endswith("wiring.py"))
    factory = wiring_source[wiring_source.index("def _task_fail_once") :]
    assert "journaled=True" in factory[: factory.index("\n\n\n")]
