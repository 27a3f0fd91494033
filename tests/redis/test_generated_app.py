"""The Redis scale-out pieces through the real generator: generated wiring constructs the
middleware with no arguments, composes them, opens the stream tunnel, subscribes the event's
hooks and starts consuming; two app instances share limits, cache and the event group."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from runner_gen.runtime.middleware.errors import RateLimitExceededError
from tests.redis.apps import orders
from tests.redis.conftest import eventually
from tests.support.build import build_app

wiring = build_app("tests.redis.apps.orders:app")


@pytest.fixture(autouse=True)
async def fresh_state(redis: Redis) -> AsyncIterator[None]:
    orders.HANDLED.clear()
    orders.QUOTED.clear()
    yield
    keys = [key async for key in redis.scan_iter(match=orders.PREFIX + "*", count=500)]
    if keys:
        await redis.delete(*keys)


async def test_generated_tasks_go_through_the_redis_rate_limit_and_cache() -> None:
    async with wiring.running() as app:
        assert await app.tasks.quote(2) == 3.0
        assert await app.tasks.quote(2) == 3.0  # from Redis
        assert await app.tasks.quote(4) == 6.0
        with pytest.raises(RateLimitExceededError):
            await app.tasks.quote(6)  # the 4th call in the window, cached or not
    assert orders.QUOTED == [2, 4]


async def test_two_app_instances_share_the_quota_and_the_cache() -> None:
    async with wiring.running() as first, wiring.running() as second:
        await first.tasks.quote(2)
        assert await second.tasks.quote(2) == 3.0
        await second.tasks.quote(3)
        with pytest.raises(RateLimitExceededError):
            await first.tasks.quote(5)
    assert orders.QUOTED == [2, 3]


async def test_an_emitted_event_reaches_its_hook_through_the_stream_typed() -> None:
    async with wiring.running() as app:
        assert await app.tasks.place(orders.Order(id=7, total=3.0)) == 7

        async def handled() -> bool:
            return orders.HANDLED == [7]

        await eventually(handled)


async def test_instances_in_one_group_handle_each_event_once() -> None:
    async with wiring.running() as first, wiring.running() as second:
        for n in range(20):
            app = first if n % 2 else second
            await app.tasks.place(orders.Order(id=n, total=1.0))

        async def all_handled() -> bool:
            return len(orders.HANDLED) >= 20

        await eventually(all_handled)
        await asyncio.sleep(0.2)  # a duplicate would arrive by now
    assert sorted(orders.HANDLED) == list(range(20))
