"""Redis cache: results shared by every process through Redis, TTL in Redis, failure modes."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from redis.asyncio import Redis

from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.middleware.cache import CacheConfig
from runner_gen.runtime.middleware.keys import stable_key
from runner_gen.runtime.redis import (
    RedisCacheConfig,
    RedisCacheMiddleware,
    RedisCacheProvider,
    RedisUnavailableError,
)
from runner_gen.runtime.serializer import SerializerError

INFO = DefinitionInfo("app.tasks.profile")


class Lookup:
    """A task that counts its real runs and returns ``result(input)``."""

    def __init__(self, result: Any = None) -> None:
        self.calls = 0
        self.result = result

    async def __call__(self, input: Any) -> Any:
        self.calls += 1
        await asyncio.sleep(0)
        return {"input": input, "run": self.calls} if self.result is None else self.result


@pytest.fixture
async def cache() -> Any:
    middleware = RedisCacheMiddleware()
    yield middleware
    await middleware.dispose()


def cached(
    middleware: RedisCacheMiddleware,
    prefix: str,
    task: Next,
    info: DefinitionInfo = INFO,
    **options: Any,
) -> Next:
    return middleware.wrap(task, info, RedisCacheConfig(prefix=prefix, **options))


def entry_key(prefix: str, input: Any, info: DefinitionInfo = INFO) -> str:
    return f"{prefix}:{info.id}:{info.id}-{stable_key(input)}"


async def test_a_hit_is_served_from_redis_without_running_the_task(
    cache: RedisCacheMiddleware, prefix: str, redis: Redis
) -> None:
    task = Lookup()
    chain = cached(cache, prefix, task)
    first = await chain({"user": 1})
    assert await chain({"user": 1}) == first == {"input": {"user": 1}, "run": 1}
    assert task.calls == 1
    assert await redis.exists(entry_key(prefix, {"user": 1})) == 1
    assert await chain({"user": 2}) == {"input": {"user": 2}, "run": 2}


async def test_values_round_trip_in_the_wire_format(
    cache: RedisCacheMiddleware, prefix: str
) -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC)
    value = {"when": when, "tags": {"a"}, "items": [1, 2.5, None], "big": 2**60}
    chain = cached(cache, prefix, Lookup(value))
    await chain(1)
    assert await chain(1) == value


async def test_a_none_result_is_not_cached(cache: RedisCacheMiddleware, prefix: str) -> None:
    """Runner 5.5 does not cache ``undefined``; a Python task returning nothing is that case."""
    calls = 0

    async def returns_none(input: Any) -> None:
        nonlocal calls
        calls += 1

    chain = cached(cache, prefix, returns_none)
    assert await chain(1) is None
    assert await chain(1) is None
    assert calls == 2


async def test_processes_share_the_cache(prefix: str) -> None:
    in_a, in_b = RedisCacheMiddleware(), RedisCacheMiddleware()
    task_a, task_b = Lookup(), Lookup()
    try:
        result = await cached(in_a, prefix, task_a)("shared")
        assert await cached(in_b, prefix, task_b)("shared") == result
    finally:
        await in_a.dispose()
        await in_b.dispose()
    assert (task_a.calls, task_b.calls) == (1, 0)


async def test_entries_expire_by_ttl_in_redis(
    cache: RedisCacheMiddleware, prefix: str, redis: Redis
) -> None:
    task = Lookup()
    chain = cached(cache, prefix, task, ttl=100)
    await chain(1)
    assert 0 < await redis.pttl(entry_key(prefix, 1)) <= 100
    await asyncio.sleep(0.15)
    assert await chain(1) == {"input": 1, "run": 2}


async def test_ttl_zero_keeps_entries_until_invalidated(
    cache: RedisCacheMiddleware, prefix: str, redis: Redis
) -> None:
    await cached(cache, prefix, Lookup(), ttl=0)(1)
    assert await redis.pttl(entry_key(prefix, 1)) == -1


async def test_invalidate_keys_drops_those_entries_only(
    cache: RedisCacheMiddleware, prefix: str
) -> None:
    task = Lookup()
    chain = cached(cache, prefix, task)
    await chain(1)
    await chain(2)
    removed = await cache.invalidate_keys(f"{INFO.id}-{stable_key(1)}", "never-cached")
    assert removed == 1
    assert await chain(1) == {"input": 1, "run": 3}
    assert await chain(2) == {"input": 2, "run": 2}
    assert await cache.invalidate_keys() == 0


async def test_key_fn_names_the_entry(cache: RedisCacheMiddleware, prefix: str) -> None:
    task = Lookup()
    chain = cached(cache, prefix, task, key_fn=lambda input: f"user:{input['id']}")
    await chain({"id": 7, "noise": 1})
    assert await chain({"id": 7, "noise": 2}) == {"input": {"id": 7, "noise": 1}, "run": 1}
    assert await cache.invalidate_keys("user:7") == 1


async def test_clear_drops_this_tasks_entries_even_with_glob_characters_in_ids(
    cache: RedisCacheMiddleware, prefix: str, redis: Redis
) -> None:
    star, plain = DefinitionInfo("app.*"), DefinitionInfo("app.b")
    star_task = Lookup()
    star_chain = cached(cache, prefix, star_task, star)
    await star_chain(1)
    plain_provider = RedisCacheProvider(redis, namespace=f"{prefix}:{plain.id}", ttl_ms=0)
    await plain_provider.set("kept", "value")
    star_provider = RedisCacheProvider(redis, namespace=f"{prefix}:{star.id}", ttl_ms=0)
    for i in range(1200):  # more than one SCAN/UNLINK batch
        await star_provider.set(f"k{i}", i)
    await star_provider.clear()
    assert [k async for k in redis.scan_iter(match=f"{prefix}:app.\\**", count=1000)] == []
    assert (await plain_provider.get("kept")) is not None
    await star_chain(1)
    assert star_task.calls == 2


async def test_middleware_clear_reaches_every_task(
    cache: RedisCacheMiddleware, prefix: str
) -> None:
    first, second = Lookup(), Lookup()
    chains = [
        cached(cache, prefix, first),
        cached(cache, prefix, second, DefinitionInfo("app.tasks.other")),
    ]
    for chain in chains:
        await chain(1)
    await cache.clear()
    for chain in chains:
        await chain(1)
    assert (first.calls, second.calls) == (2, 2)


async def test_decode_result_restores_the_result_type(
    cache: RedisCacheMiddleware, prefix: str
) -> None:
    @dataclass(frozen=True)
    class Profile:
        name: str
        age: int

    chain = cached(
        cache, prefix, Lookup(Profile("ann", 7)), decode_result=lambda wire: Profile(**wire)
    )
    await chain(1)
    assert await chain(1) == Profile("ann", 7)


async def test_concurrent_misses_in_one_process_run_the_task_once(
    cache: RedisCacheMiddleware, prefix: str
) -> None:
    calls = 0

    async def slow(input: Any) -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.1)  # still running when every caller's GET has missed
        return calls

    chain = cached(cache, prefix, slow)
    results = await asyncio.gather(*(chain("same") for _ in range(10)))
    assert calls == 1
    assert results == [1] * 10


async def test_an_unencodable_result_is_a_serializer_error(
    cache: RedisCacheMiddleware, prefix: str
) -> None:
    chain = cached(cache, prefix, Lookup(object()))
    with pytest.raises(SerializerError):
        await chain(1)


async def test_a_foreign_or_corrupt_entry_is_a_miss_and_is_repaired(
    cache: RedisCacheMiddleware, prefix: str, redis: Redis
) -> None:
    await redis.set(entry_key(prefix, 1), b"\xff not json")
    task = Lookup()
    chain = cached(cache, prefix, task)
    assert await chain(1) == {"input": 1, "run": 1}
    assert await chain(1) == {"input": 1, "run": 1}


async def test_a_plain_cache_config_uses_the_default_redis(
    cache: RedisCacheMiddleware, redis: Redis
) -> None:
    info = DefinitionInfo("test.redis.plain_config")
    task = Lookup()
    chain = cache.wrap(task, info, CacheConfig(ttl=5_000))
    try:
        await chain(1)
        await chain(1)
        assert task.calls == 1
        assert await redis.exists(f"runner:cache:{info.id}:{info.id}-1") == 1
    finally:
        await cache.clear()


async def test_redis_down_fails_open_the_task_still_answers(
    cache: RedisCacheMiddleware, prefix: str, down_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    task = Lookup()
    chain = cached(cache, prefix, task, url=down_url)
    with caplog.at_level(logging.WARNING, logger="runner_gen.redis.cache"):
        async with asyncio.timeout(5):
            assert await chain(1) == {"input": 1, "run": 1}
            assert await chain(1) == {"input": 1, "run": 2}
    assert "redis cache read skipped" in caplog.text
    assert "redis cache write skipped" in caplog.text


async def test_redis_down_with_fail_open_off_is_a_typed_error(
    cache: RedisCacheMiddleware, prefix: str, down_url: str
) -> None:
    task = Lookup()
    chain = cached(cache, prefix, task, url=down_url, fail_open=False)
    with pytest.raises(RedisUnavailableError):
        await chain(1)
    assert task.calls == 0


async def test_a_failed_write_with_fail_open_off_is_a_typed_error(down_url: str) -> None:
    client = Redis.from_url(down_url)
    provider = RedisCacheProvider(client, namespace="x", ttl_ms=0, url=down_url, fail_open=False)
    try:
        with pytest.raises(RedisUnavailableError):
            await provider.set("k", 1)
    finally:
        await client.aclose()


async def test_invalidation_and_clear_never_fail_silently(down_url: str) -> None:
    client = Redis.from_url(down_url)
    provider = RedisCacheProvider(client, namespace="x", ttl_ms=0, url=down_url)
    try:
        with pytest.raises(RedisUnavailableError):
            await provider.delete("k")
        with pytest.raises(RedisUnavailableError):
            await provider.invalidate_keys(["k"])
        with pytest.raises(RedisUnavailableError):
            await provider.clear()
    finally:
        await client.aclose()


async def test_delete_reports_whether_the_key_was_cached(redis: Redis, prefix: str) -> None:
    provider = RedisCacheProvider(redis, namespace=prefix, ttl_ms=10_000)
    await provider.set("k", [1])
    assert await provider.delete("k") is True
    assert await provider.delete("k") is False
    assert await provider.get("k") is None
