from __future__ import annotations

import asyncio
from typing import Any

import pytest

from runner_gen.runtime.info import DefinitionInfo
from runner_gen.runtime.middleware import (
    Bulkhead,
    ConcurrencyConfig,
    ConcurrencyConflictError,
    ConcurrencyLimitError,
    ConcurrencyMiddleware,
    MiddlewareConfigError,
)

from .fakes import settle, spawn

INFO = DefinitionInfo("app.tasks.export", source="app/tasks.py:10")


class Held:
    """A task that records who is inside and blocks each caller until released by input."""

    def __init__(self) -> None:
        self.inside: set[Any] = set()
        self.entered: list[Any] = []
        self.gates: dict[Any, asyncio.Future[Any]] = {}

    async def __call__(self, input: Any) -> Any:
        self.inside.add(input)
        self.entered.append(input)
        gate = self.gates[input] = asyncio.get_running_loop().create_future()
        try:
            return await gate
        finally:
            self.inside.discard(input)

    def finish(self, input: Any, result: Any = "done") -> None:
        self.gates[input].set_result(result)

    def crash(self, input: Any) -> None:
        self.gates[input].set_exception(ValueError(input))


@pytest.mark.parametrize(
    "kwargs", [{"limit": 0}, {"limit": 1, "max_queue": -1}], ids=["limit", "max_queue"]
)
def test_invalid_config_is_a_config_error(kwargs: dict[str, Any]) -> None:
    with pytest.raises(MiddlewareConfigError):
        ConcurrencyConfig(**kwargs)


def test_queue_is_bounded_by_default() -> None:
    assert ConcurrencyConfig(limit=1).max_queue == 1000


async def test_excess_callers_wait_and_enter_in_arrival_order() -> None:
    task = Held()
    chain = ConcurrencyMiddleware().wrap(task, INFO, ConcurrencyConfig(limit=2))
    calls = {n: spawn(chain(n)) for n in range(4)}
    await settle()
    assert task.inside == {0, 1}
    task.finish(1)
    await settle()
    assert task.inside == {0, 2}
    task.finish(0)
    await settle()
    assert task.entered == [0, 1, 2, 3]
    task.finish(2)
    task.finish(3)
    assert await asyncio.gather(*calls.values()) == ["done"] * 4


async def test_callers_beyond_the_queue_bound_are_rejected_at_once() -> None:
    task = Held()
    chain = ConcurrencyMiddleware().wrap(task, INFO, ConcurrencyConfig(limit=1, max_queue=1))
    holder = spawn(chain("holder"))
    waiter = spawn(chain("waiter"))
    await settle()
    with pytest.raises(ConcurrencyLimitError) as caught:
        await chain("rejected")
    assert caught.value.id == "runner.errors.middleware.concurrencyQueueFull"
    assert 'task "app.tasks.export"' in str(caught.value)
    assert task.entered == ["holder"]
    task.finish("holder")
    await settle()
    task.finish("waiter")
    assert list(await asyncio.gather(holder, waiter)) == ["done", "done"]


async def test_zero_queue_rejects_as_soon_as_the_limit_is_reached() -> None:
    task = Held()
    chain = ConcurrencyMiddleware().wrap(task, INFO, ConcurrencyConfig(limit=1, max_queue=0))
    holder = spawn(chain("holder"))
    await settle()
    with pytest.raises(ConcurrencyLimitError):
        await chain("second")
    task.finish("holder")
    await holder


async def test_a_shared_key_limits_calls_across_tasks() -> None:
    middleware = ConcurrencyMiddleware()
    config = ConcurrencyConfig(limit=1, key="db")
    first, second = Held(), Held()
    a = middleware.wrap(first, DefinitionInfo("app.a"), config)
    b = middleware.wrap(second, DefinitionInfo("app.b"), config)
    in_a = spawn(a("x"))
    in_b = spawn(b("y"))
    await settle()
    assert (first.inside, second.inside) == ({"x"}, set())
    assert (middleware.bulkhead("db").in_use, middleware.bulkhead("db").queued) == (1, 1)
    first.finish("x")
    await settle()
    assert second.inside == {"y"}
    second.finish("y")
    await asyncio.gather(in_a, in_b)


async def test_without_a_key_each_config_has_its_own_limit() -> None:
    """Equal configs from separate ``.with_()`` calls are separate limits (shared: parity)."""
    middleware = ConcurrencyMiddleware()
    first, second = Held(), Held()
    a = middleware.wrap(first, DefinitionInfo("app.a"), ConcurrencyConfig(limit=1))
    b = middleware.wrap(second, DefinitionInfo("app.b"), ConcurrencyConfig(limit=1))
    calls = [spawn(a("x")), spawn(b("y"))]
    await settle()
    assert (first.inside, second.inside) == ({"x"}, {"y"})
    first.finish("x")
    second.finish("y")
    await asyncio.gather(*calls)
    with pytest.raises(KeyError):
        middleware.bulkhead("app.a")


@pytest.mark.parametrize("other", [{"limit": 2}, {"limit": 1, "max_queue": 5}])
def test_the_same_key_with_a_different_limit_is_a_config_error_at_wrap_time(
    other: dict[str, Any],
) -> None:
    middleware = ConcurrencyMiddleware()
    middleware.wrap(Held(), DefinitionInfo("app.a"), ConcurrencyConfig(limit=1, key="db"))
    with pytest.raises(ConcurrencyConflictError) as caught:
        middleware.wrap(Held(), INFO, ConcurrencyConfig(key="db", **other))
    assert isinstance(caught.value, MiddlewareConfigError)
    assert caught.value.id == "runner.errors.middleware.concurrencyConflict"
    assert "app/tasks.py:10" in str(caught.value)


async def assert_full_capacity(bulkhead: Bulkhead, task: Held, chain: Any) -> None:
    assert (bulkhead.in_use, bulkhead.queued) == (0, 0)
    probes = [spawn(chain(("probe", n))) for n in range(bulkhead.limit)]
    await settle()
    assert len(task.inside) == bulkhead.limit
    for n in range(bulkhead.limit):
        task.finish(("probe", n))
    await asyncio.gather(*probes)


async def test_no_permit_leaks_on_errors_or_cancellation_of_waiters_and_holders() -> None:
    middleware = ConcurrencyMiddleware()
    task = Held()
    chain = middleware.wrap(task, INFO, ConcurrencyConfig(limit=2, key="pool"))
    bulkhead = middleware.bulkhead("pool")
    calls = {n: spawn(chain(n)) for n in range(6)}
    await settle()
    assert (bulkhead.in_use, bulkhead.queued) == (2, 4)
    calls[3].cancel()  # a waiter
    calls[0].cancel()  # a holder
    await settle()
    task.crash(1)  # a holder fails
    await settle()
    for n in list(task.inside):
        calls[n].cancel()  # the waiters that got in are cancelled while holding
    await settle()
    for n in (4, 5):
        if not calls[n].done():
            calls[n].cancel()
    outcomes = await asyncio.gather(*calls.values(), return_exceptions=True)
    assert isinstance(outcomes[1], ValueError)
    assert all(isinstance(o, asyncio.CancelledError) for i, o in enumerate(outcomes) if i != 1)
    await assert_full_capacity(bulkhead, task, chain)


async def test_a_waiter_cancelled_just_after_being_handed_a_permit_passes_it_on() -> None:
    middleware = ConcurrencyMiddleware()
    task = Held()
    chain = middleware.wrap(task, INFO, ConcurrencyConfig(limit=1, key="one"))
    bulkhead = middleware.bulkhead("one")
    await bulkhead.acquire()  # the test itself holds the only permit
    first = spawn(chain("first"))
    second = spawn(chain("second"))
    await settle()
    bulkhead.release()  # hands the permit to "first"...
    first.cancel()  # ...which is cancelled before it can resume and use it
    await settle()
    assert task.inside == {"second"}
    task.finish("second")
    assert await second == "done"
    with pytest.raises(asyncio.CancelledError):
        await first
    await assert_full_capacity(bulkhead, task, chain)


async def test_a_release_skips_a_waiter_cancelled_in_the_same_tick() -> None:
    middleware = ConcurrencyMiddleware()
    task = Held()
    chain = middleware.wrap(task, INFO, ConcurrencyConfig(limit=1, key="one"))
    bulkhead = middleware.bulkhead("one")
    await bulkhead.acquire()
    first = spawn(chain("first"))
    second = spawn(chain("second"))
    await settle()
    first.cancel()  # its future is cancelled, but it has not yet left the queue...
    bulkhead.release()  # ...so the release must pass over it to "second"
    await settle()
    assert task.inside == {"second"}
    task.finish("second")
    assert await second == "done"
    with pytest.raises(asyncio.CancelledError):
        await first
    await assert_full_capacity(bulkhead, task, chain)
