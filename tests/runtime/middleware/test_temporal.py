from __future__ import annotations

import asyncio
from typing import Any

import pytest

from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.middleware import (
    DebounceConfig,
    DebounceMiddleware,
    KeyCapacityExceededError,
    MiddlewareConfigError,
    TemporalDisposedError,
    ThrottleConfig,
    ThrottleMiddleware,
)

from .fakes import FakeClock, settle, spawn

INFO = DefinitionInfo("app.tasks.save_draft")
ONE_KEY = {"key_fn": lambda input: "all"}


class Recorder:
    def __init__(self, fail_with: Exception | None = None) -> None:
        self.runs: list[Any] = []
        self.fail_with = fail_with

    async def __call__(self, input: Any) -> Any:
        self.runs.append(input)
        if self.fail_with is not None:
            raise self.fail_with
        return f"saved {input}"


async def start(chain: Next, *inputs: Any) -> list[asyncio.Task[Any]]:
    """Call ``chain`` with each input concurrently; let the calls arrive (time stands still)."""
    calls = [spawn(chain(input)) for input in inputs]
    await settle()
    return calls


@pytest.mark.parametrize("config", [DebounceConfig, ThrottleConfig])
@pytest.mark.parametrize("kwargs", [{"ms": -1}, {"ms": 1, "max_keys": 0}], ids=["ms", "keys"])
def test_invalid_config_is_a_config_error(config: type[Any], kwargs: dict[str, Any]) -> None:
    with pytest.raises(MiddlewareConfigError):
        config(**kwargs)


# -- debounce -------------------------------------------------------------------------------


def debounced(clock: FakeClock, task: Next, **config: Any) -> tuple[DebounceMiddleware, Next]:
    middleware = DebounceMiddleware(clock=clock)
    return middleware, middleware.wrap(task, INFO, DebounceConfig(**config))


async def test_debounce_runs_the_last_input_once_after_quiet_and_everyone_gets_it() -> None:
    clock = FakeClock()
    task = Recorder()
    _, chain = debounced(clock, task, ms=100, **ONE_KEY)
    calls = await start(chain, "a")
    await clock.advance(0.06)
    calls += await start(chain, "b")
    await clock.advance(0.06)
    calls += await start(chain, "c")
    await clock.advance(0.099)
    assert task.runs == []  # every call restarted the quiet period
    await clock.advance(0.001)
    assert task.runs == ["c"]
    assert await asyncio.gather(*calls) == ["saved c"] * 3


async def test_debounce_shares_the_error_with_every_caller_of_the_burst() -> None:
    clock = FakeClock()
    boom = ValueError("disk full")
    _, chain = debounced(clock, Recorder(fail_with=boom), ms=10, **ONE_KEY)
    leaver, *calls = await start(chain, 0, 1, 2)
    leaver.cancel()  # a caller that left is skipped, not handed the error
    await clock.advance(0.01)
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    assert outcomes == [boom, boom]
    assert leaver.cancelled()


async def test_debounce_key_fn_separates_different_inputs() -> None:
    clock = FakeClock()
    task = Recorder()
    _, chain = debounced(clock, task, ms=10, key_fn=str)
    calls = await start(chain, {"doc": 1}, {"doc": 2}, {"doc": 1})
    await clock.advance(0.01)
    assert sorted(r["doc"] for r in task.runs) == [1, 2]
    one, two = "saved {'doc': 1}", "saved {'doc': 2}"
    assert await asyncio.gather(*calls) == [one, two, one]


async def test_debounce_a_call_after_the_run_starts_a_new_burst() -> None:
    clock = FakeClock()
    task = Recorder()
    _, chain = debounced(clock, task, ms=10, **ONE_KEY)
    first = await start(chain, "a")
    await clock.advance(0.01)
    second = await start(chain, "b")
    await clock.advance(0.01)
    assert task.runs == ["a", "b"]
    assert [await first[0], await second[0]] == ["saved a", "saved b"]


async def test_debounce_a_cancelled_caller_does_not_stop_the_run_for_the_others() -> None:
    clock = FakeClock()
    task = Recorder()
    _, chain = debounced(clock, task, ms=10, **ONE_KEY)
    leaver, stayer = await start(chain, "a", "b")
    await settle()
    leaver.cancel()
    await clock.advance(0.01)
    assert await stayer == "saved b"
    assert leaver.cancelled()


async def test_debounce_refuses_more_pending_keys_than_max_keys() -> None:
    clock = FakeClock()
    _, chain = debounced(clock, Recorder(), ms=10, key_fn=str, max_keys=1)
    calls = await start(chain, "a")
    await settle()
    with pytest.raises(KeyCapacityExceededError):
        await chain("b")
    await clock.advance(0.01)
    await asyncio.gather(*calls)
    calls = await start(chain, "b")  # the key was freed once its burst ran
    await clock.advance(0.01)
    assert await calls[0] == "saved b"


async def test_debounce_dispose_fails_pending_callers_and_refuses_new_calls() -> None:
    clock = FakeClock()
    task = Recorder()
    middleware, chain = debounced(clock, task, ms=10, **ONE_KEY)
    calls = await start(chain, 1, 2)
    await settle()
    await middleware.dispose()
    for call in calls:
        with pytest.raises(TemporalDisposedError) as caught:
            await call
        assert caught.value.id == "runner.errors.middleware.temporalDisposed"
    await clock.advance(1)
    assert task.runs == []
    with pytest.raises(TemporalDisposedError):
        await chain(3)


async def test_dispose_cancels_a_run_in_progress_and_fails_its_callers() -> None:
    clock = FakeClock()
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def slow(input: Any) -> Any:
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()

    middleware, chain = debounced(clock, slow, ms=10, **ONE_KEY)
    calls = await start(chain, 1)
    await clock.advance(0.01)
    assert started.is_set()
    await middleware.dispose()
    assert cancelled.is_set()
    with pytest.raises(TemporalDisposedError):
        await calls[0]


class Abort(BaseException):
    """A non-Exception error (not SystemExit/KeyboardInterrupt, which stop the loop)."""


async def test_a_run_that_raises_a_base_exception_still_releases_its_callers() -> None:
    clock = FakeClock()

    async def aborts(input: Any) -> Any:
        raise Abort

    _, chain = debounced(clock, aborts, ms=10, **ONE_KEY)
    calls = await start(chain, 1, 2)
    await clock.advance(0.01)
    for call in calls:
        with pytest.raises(Abort):
            await call


# -- throttle -------------------------------------------------------------------------------


def throttled(clock: FakeClock, task: Next, **config: Any) -> tuple[ThrottleMiddleware, Next]:
    middleware = ThrottleMiddleware(clock=clock)
    return middleware, middleware.wrap(task, INFO, ThrottleConfig(**config))


async def test_throttle_runs_the_first_call_at_once() -> None:
    clock = FakeClock()
    task = Recorder()
    _, chain = throttled(clock, task, ms=100, **ONE_KEY)
    assert await chain("a") == "saved a"
    assert task.runs == ["a"]


async def test_throttle_runs_the_latest_pending_call_at_the_end_of_the_window() -> None:
    clock = FakeClock()
    task = Recorder()
    _, chain = throttled(clock, task, ms=100, **ONE_KEY)
    await chain("a")
    await clock.advance(0.03)
    pending = await start(chain, "b")
    await clock.advance(0.03)
    pending += await start(chain, "c")
    await clock.advance(0.039)
    assert task.runs == ["a"]
    await clock.advance(0.001)  # 100 ms after "a" ran
    assert task.runs == ["a", "c"]
    assert await asyncio.gather(*pending) == ["saved c", "saved c"]
    # The trailing run opened a new window: the next call waits for its end.
    late = await start(chain, "d")
    await clock.advance(0.099)
    assert task.runs == ["a", "c"]
    await clock.advance(0.001)
    assert await late[0] == "saved d"


async def test_throttle_runs_at_once_again_after_a_quiet_window() -> None:
    clock = FakeClock()
    task = Recorder()
    _, chain = throttled(clock, task, ms=100, **ONE_KEY)
    await chain("a")
    await clock.advance(0.1)
    assert await chain("b") == "saved b"
    assert task.runs == ["a", "b"]


async def test_throttle_shares_a_trailing_error_with_every_pending_caller() -> None:
    clock = FakeClock()
    boom = ValueError("quota")
    task = Recorder()
    _, chain = throttled(clock, task, ms=100, **ONE_KEY)
    await chain("a")
    task.fail_with = boom
    pending = await start(chain, "b", "c")
    await clock.advance(0.1)
    assert await asyncio.gather(*pending, return_exceptions=True) == [boom, boom]


async def test_throttle_key_capacity_evicts_idle_keys_first() -> None:
    clock = FakeClock()
    _, chain = throttled(clock, Recorder(), ms=100, key_fn=str, max_keys=1)
    await chain("a")
    with pytest.raises(KeyCapacityExceededError):
        await chain("b")  # a's window is still open
    await clock.advance(0.1)
    assert await chain("b") == "saved b"  # a was idle: evicted to make room


async def test_throttle_a_key_with_a_pending_call_is_not_evicted() -> None:
    clock = FakeClock()
    _, chain = throttled(clock, Recorder(), ms=100, key_fn=str, max_keys=1)
    await chain("a")
    pending = await start(chain, "a")
    await clock.advance(0.05)
    with pytest.raises(KeyCapacityExceededError):
        await chain("b")
    await clock.advance(0.05)
    assert await pending[0] == "saved a"


async def test_throttle_dispose_fails_pending_callers() -> None:
    clock = FakeClock()
    task = Recorder()
    middleware, chain = throttled(clock, task, ms=100, **ONE_KEY)
    await chain("a")
    pending = await start(chain, "b")
    await settle()
    await middleware.dispose()
    with pytest.raises(TemporalDisposedError):
        await pending[0]
    await clock.advance(1)
    assert task.runs == ["a"]
    with pytest.raises(TemporalDisposedError, match="has been disposed"):
        await chain("c")
