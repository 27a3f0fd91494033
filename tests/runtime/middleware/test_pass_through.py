"""Built-ins with only a check before the call (rate_limit, require_context, throttle's leading
edge) are not coroutines: they hand back the next layer's awaitable itself, one await hop less
per call. A refusal must still arrive at the ``await``, never at the call, so callers that
create calls before awaiting them (``gather``) see the same errors as with a coroutine; and what
they return must stay a coroutine (``create_task`` takes nothing else)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Generator
from contextvars import ContextVar
from typing import Any

import pytest

from runner_gen.runtime.errors import ContextError
from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.middleware import (
    KeyCapacityExceededError,
    RateLimitConfig,
    RateLimitExceededError,
    RateLimitMiddleware,
    RequireContextConfig,
    RequireContextMiddleware,
    TemporalDisposedError,
    ThrottleConfig,
    ThrottleMiddleware,
)

from .fakes import FakeClock

INFO = DefinitionInfo("app.tasks.pass")


class Marked:
    """An awaitable the test can recognise: what the next layer returned."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __await__(self) -> Generator[Any, None, Any]:
        return _done(self.value).__await__()


async def _done(value: Any) -> Any:
    return value


def marked(input: Any) -> Awaitable[Any]:
    return Marked(input)


class Context:
    def __init__(self) -> None:
        self.var: ContextVar[str] = ContextVar("pass")

    def use(self) -> str:
        return self.var.get()


def rate_limited(next: Next, **config: Any) -> Next:
    return RateLimitMiddleware(clock=FakeClock()).wrap(next, INFO, RateLimitConfig(**config))


async def test_rate_limit_hands_back_the_next_layers_awaitable() -> None:
    chain = rate_limited(marked, window_ms=1000, max=5)
    call = chain(7)
    assert isinstance(call, Marked)
    assert await call == 7


async def test_rate_limit_refusal_arrives_at_the_await() -> None:
    chain = rate_limited(marked, window_ms=1000, max=1)
    first, second = chain(1), chain(2)  # both admitted or refused now, in call order
    assert await first == 1
    with pytest.raises(RateLimitExceededError):
        await second


async def test_rate_limit_key_errors_arrive_at_the_await() -> None:
    def broken_key(input: Any) -> str:
        raise ValueError("no key")

    chain = rate_limited(marked, window_ms=1000, max=1, key_fn=broken_key)
    call = chain(1)
    with pytest.raises(ValueError, match="no key"):
        await call
    full = rate_limited(marked, window_ms=1000, max=1, key_fn=str, max_keys=1)
    await full(1)
    refused = full(2)
    with pytest.raises(KeyCapacityExceededError):
        await refused


async def test_a_next_layer_raising_at_the_call_still_fails_at_the_await() -> None:
    def raising(input: Any) -> Awaitable[Any]:
        raise RuntimeError("sync failure")

    chain = rate_limited(raising, window_ms=1000, max=5)
    call = chain(1)
    with pytest.raises(RuntimeError, match="sync failure"):
        await call


async def test_require_context_hands_back_the_next_layers_awaitable() -> None:
    context = Context()
    chain = RequireContextMiddleware().wrap(marked, INFO, RequireContextConfig(context=context))
    token = context.var.set("here")
    try:
        call = chain(3)
    finally:
        context.var.reset(token)
    assert isinstance(call, Marked)
    assert await call == 3


async def test_require_context_refusal_arrives_at_the_await_with_its_cause() -> None:
    context = Context()
    chain = RequireContextMiddleware().wrap(marked, INFO, RequireContextConfig(context=context))
    call = chain(3)
    with pytest.raises(ContextError) as raised:
        await call
    assert isinstance(raised.value.__cause__, LookupError)


async def test_throttle_leading_edge_hands_back_the_next_layers_awaitable() -> None:
    clock = FakeClock()
    middleware = ThrottleMiddleware(clock=clock)
    chain = middleware.wrap(marked, INFO, ThrottleConfig(ms=100))
    call = chain(1)
    assert isinstance(call, Marked)
    assert await call == 1
    await middleware.dispose()


async def test_throttle_refusal_after_dispose_arrives_at_the_await() -> None:
    middleware = ThrottleMiddleware(clock=FakeClock())
    chain = middleware.wrap(marked, INFO, ThrottleConfig(ms=100))
    await middleware.dispose()
    call = chain(1)
    with pytest.raises(TemporalDisposedError):
        await call


async def test_what_the_layers_return_can_still_be_given_to_create_task() -> None:
    """``create_task`` takes only coroutines: a throttled call, a refusal and (with a coroutine
    next layer, as generated wiring always has) an admitted call all stay coroutines."""

    async def task(input: Any) -> Any:
        return input

    clock = FakeClock()
    throttle = ThrottleMiddleware(clock=clock)
    throttled = throttle.wrap(task, INFO, ThrottleConfig(ms=100))
    limited = rate_limited(task, window_ms=1000, max=1)
    calls = [throttled(1), throttled(2), limited(3), limited(4)]
    coroutines = [call for call in calls if asyncio.iscoroutine(call)]
    assert len(coroutines) == len(calls)
    tasks = [asyncio.create_task(coroutine) for coroutine in coroutines]
    await clock.advance(0.1)
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert results[:3] == [1, 2, 3]
    assert isinstance(results[3], RateLimitExceededError)
    await throttle.dispose()


async def test_gather_of_refused_calls_reports_through_gather() -> None:
    """The case a raise at the call would break: ``gather`` never sees a call that raised
    while its arguments were evaluated, and the admitted calls would never be awaited."""
    chain = rate_limited(marked, window_ms=1000, max=1)
    results = await asyncio.gather(chain(1), chain(2), return_exceptions=True)
    assert results[0] == 1
    assert isinstance(results[1], RateLimitExceededError)
