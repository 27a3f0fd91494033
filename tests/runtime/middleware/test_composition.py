"""Built-ins composed in Runner's recommended order: fallback > rate_limit > breaker > retry >
timeout > task, wired the way generated code does (innermost first, first listed outermost)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.middleware import (
    CircuitBreakerConfig,
    CircuitBreakerMiddleware,
    CircuitState,
    FallbackConfig,
    FallbackMiddleware,
    RateLimitConfig,
    RateLimitMiddleware,
    RetryConfig,
    RetryMiddleware,
    TaskTimeoutError,
    TimeoutConfig,
    TimeoutMiddleware,
)

from .fakes import FakeClock

INFO = DefinitionInfo("app.tasks.quote")


class Service:
    def __init__(self, outcomes: list[str]) -> None:
        self.outcomes = outcomes
        self.calls = 0

    async def __call__(self, input: Any) -> Any:
        self.calls += 1
        outcome = self.outcomes.pop(0) if self.outcomes else "ok"
        if outcome == "fail":
            raise ConnectionError("service unavailable")
        if outcome == "hang":
            await asyncio.Event().wait()
        return f"quote for {input}"


def compose(task: Next, clock: FakeClock) -> tuple[Next, CircuitBreakerMiddleware]:
    breaker = CircuitBreakerMiddleware(clock=clock)
    layers: list[tuple[Any, Any]] = [
        (FallbackMiddleware(), FallbackConfig(fallback="no quote")),
        (RateLimitMiddleware(clock=clock), RateLimitConfig(window_ms=1000, max=3)),
        (breaker, CircuitBreakerConfig(failure_threshold=2, reset_timeout=5000)),
        (RetryMiddleware(clock=clock, jitter=lambda: 0.0), RetryConfig(retries=2)),
        (TimeoutMiddleware(clock=clock), TimeoutConfig(ttl=50)),
    ]
    chain = task
    for middleware, config in reversed(layers):
        chain = middleware.wrap(chain, INFO, config)
    return chain, breaker


async def test_retry_absorbs_transient_failures_and_per_attempt_timeouts() -> None:
    clock = FakeClock(auto_advance=True)
    service = Service(["fail", "hang", "ok"])
    chain, breaker = compose(service, clock)
    assert await chain("tea") == "quote for tea"
    assert service.calls == 3
    assert breaker.snapshot(INFO.id).state is CircuitState.CLOSED


async def test_persistent_failure_trips_the_breaker_and_the_fallback_answers() -> None:
    clock = FakeClock(auto_advance=True)
    service = Service(["fail"] * 6)
    chain, breaker = compose(service, clock)
    assert await chain("tea") == "no quote"  # 3 attempts, one breaker failure
    assert await chain("tea") == "no quote"  # second breaker failure: open
    assert breaker.snapshot(INFO.id).state is CircuitState.OPEN
    assert await chain("tea") == "no quote"  # rejected by the breaker, not retried
    assert service.calls == 6
    assert await chain("tea") == "no quote"  # fourth call in the window: rate limited
    assert service.calls == 6


async def test_an_outer_timeout_is_not_retried_by_an_inner_retry() -> None:
    calls = 0

    async def hang(input: Any) -> Any:
        nonlocal calls
        calls += 1
        await asyncio.Event().wait()

    retry = RetryMiddleware().wrap(hang, INFO, RetryConfig(delay_strategy=lambda a, e: 0))
    chain = TimeoutMiddleware().wrap(retry, INFO, TimeoutConfig(ttl=20))
    with pytest.raises(TaskTimeoutError, match="after 20ms"):
        await chain(None)
    assert calls == 1
