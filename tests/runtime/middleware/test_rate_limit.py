from __future__ import annotations

import asyncio
from typing import Any

import pytest

from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.middleware import (
    KeyCapacityExceededError,
    MiddlewareConfigError,
    RateLimitConfig,
    RateLimitExceededError,
    RateLimitMiddleware,
)

from .fakes import FakeClock, settle, spawn

INFO = DefinitionInfo("app.tasks.send_sms")


class Counting:
    def __init__(self) -> None:
        self.inputs: list[Any] = []

    async def __call__(self, input: Any) -> Any:
        self.inputs.append(input)
        return input


def limited(clock: FakeClock, task: Next, **config: Any) -> Next:
    return RateLimitMiddleware(clock=clock).wrap(task, INFO, RateLimitConfig(**config))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"window_ms": 0, "max": 1},
        {"window_ms": 1000, "max": 0},
        {"window_ms": 1000, "max": 1, "max_keys": 0},
    ],
    ids=["window", "max", "max_keys"],
)
def test_invalid_config_is_a_config_error(kwargs: dict[str, Any]) -> None:
    with pytest.raises(MiddlewareConfigError):
        RateLimitConfig(**kwargs)


def test_max_keys_default_is_bounded() -> None:
    assert RateLimitConfig(window_ms=1, max=1).max_keys == 10_000


async def test_allows_max_calls_per_window_then_rejects_with_when_to_retry() -> None:
    clock = FakeClock(start=50.0)
    task = Counting()
    chain = limited(clock, task, window_ms=1000, max=2)
    assert [await chain(1), await chain(2)] == [1, 2]
    await clock.advance(0.6)
    with pytest.raises(RateLimitExceededError) as caught:
        await chain(3)
    error = caught.value
    assert task.inputs == [1, 2]
    assert error.id == "runner.errors.middleware.rateLimitExceeded"
    assert error.http_code == 429
    assert error.reset_at == pytest.approx(51.0)
    assert error.retry_after == pytest.approx(0.4)
    assert str(error) == "Rate limit exceeded. Try again in 0.4s"
    assert (error.key, error.limit) == (INFO.id, 2)


async def test_a_new_window_starts_when_the_old_one_resets() -> None:
    clock = FakeClock()
    task = Counting()
    chain = limited(clock, task, window_ms=1000, max=1)
    await chain("a")
    with pytest.raises(RateLimitExceededError):
        await chain("b")
    await clock.advance(1.0)
    assert await chain("c") == "c"
    with pytest.raises(RateLimitExceededError):
        await chain("d")


async def test_rejected_calls_do_not_use_up_the_next_window() -> None:
    clock = FakeClock()
    chain = limited(clock, Counting(), window_ms=1000, max=1)
    await chain(0)
    for _ in range(5):
        with pytest.raises(RateLimitExceededError):
            await chain(0)
    await clock.advance(1.0)
    assert await chain(1) == 1


async def test_failed_calls_still_count() -> None:
    clock = FakeClock()

    async def failing(input: Any) -> Any:
        raise ValueError("downstream")

    chain = limited(clock, failing, window_ms=1000, max=1)
    with pytest.raises(ValueError):
        await chain(0)
    with pytest.raises(RateLimitExceededError):
        await chain(0)


async def test_key_fn_gives_each_key_its_own_quota() -> None:
    clock = FakeClock()
    chain = limited(clock, Counting(), window_ms=1000, max=1, key_fn=lambda user: f"user:{user}")
    assert await chain("ann") == "ann"
    assert await chain("bob") == "bob"
    with pytest.raises(RateLimitExceededError) as caught:
        await chain("ann")
    assert caught.value.key == "user:ann"


async def test_each_config_has_its_own_default_quota() -> None:
    """Equal configs from separate ``.with_()`` calls are separate budgets (shared: parity)."""
    clock = FakeClock()
    middleware = RateLimitMiddleware(clock=clock)
    config = RateLimitConfig(window_ms=1000, max=1)
    first = middleware.wrap(Counting(), DefinitionInfo("app.a"), config)
    second = middleware.wrap(
        Counting(), DefinitionInfo("app.b"), RateLimitConfig(window_ms=1000, max=1)
    )
    assert (await first(1), await second(2)) == (1, 2)


async def test_the_limit_is_exact_under_concurrency() -> None:
    clock = FakeClock()
    gate = asyncio.Event()
    admitted = 0

    async def slow(input: Any) -> Any:
        nonlocal admitted
        admitted += 1
        await gate.wait()
        return input

    chain = limited(clock, slow, window_ms=1000, max=7)
    calls = [spawn(chain(n)) for n in range(50)]
    await settle()
    gate.set()
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    rejected = [o for o in outcomes if isinstance(o, RateLimitExceededError)]
    assert admitted == 7
    assert len(rejected) == 43
    assert len(outcomes) == 50


async def test_key_capacity_is_bounded_and_refuses_when_no_window_expired() -> None:
    clock = FakeClock()
    chain = limited(clock, Counting(), window_ms=1000, max=5, max_keys=2, key_fn=str)
    await chain("a")
    await chain("b")
    with pytest.raises(KeyCapacityExceededError) as caught:
        await chain("c")
    assert caught.value.id == "runner.errors.middleware.keyCapacityExceeded"
    assert await chain("a") == "a"  # existing keys keep working


async def test_key_capacity_evicts_expired_windows_first() -> None:
    clock = FakeClock()
    chain = limited(clock, Counting(), window_ms=1000, max=1, max_keys=2, key_fn=str)
    await chain("a")
    await clock.advance(0.5)
    await chain("b")
    await clock.advance(0.5)  # a's window is over, b's is not
    assert await chain("c") == "c"
    with pytest.raises(RateLimitExceededError):
        await chain("b")  # b was kept, with its count
    with pytest.raises(KeyCapacityExceededError):
        await chain("d")
