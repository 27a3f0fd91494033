"""Redis rate limit: exact fixed windows shared by every instance, typed rejections, failures."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from redis.asyncio import Redis

from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.middleware.errors import MiddlewareConfigError, RateLimitExceededError
from runner_gen.runtime.redis import (
    RedisRateLimitConfig,
    RedisRateLimitMiddleware,
    RedisUnavailableError,
)
from tests.redis.conftest import ManualClock

INFO = DefinitionInfo("app.tasks.search")


class Counted:
    """A task that counts how often it really ran."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, input: Any) -> Any:
        self.calls += 1
        return input


def limited(
    middleware: RedisRateLimitMiddleware,
    prefix: str,
    task: Next,
    info: DefinitionInfo = INFO,
    **options: Any,
) -> Next:
    config = RedisRateLimitConfig(**{"window_ms": 60_000, "max": 3, "prefix": prefix, **options})
    return middleware.wrap(task, info, config)


async def test_admits_max_calls_per_window_then_rejects_with_the_reset_time(
    prefix: str, clock: ManualClock
) -> None:
    middleware = RedisRateLimitMiddleware(clock=clock)
    task = Counted()
    chain = limited(middleware, prefix, task, window_ms=60_000, max=3)
    try:
        assert [await chain(i) for i in range(3)] == [0, 1, 2]
        with pytest.raises(RateLimitExceededError) as caught:
            await chain(3)
    finally:
        await middleware.dispose()
    error = caught.value
    assert task.calls == 3
    assert error.id == "runner.errors.middleware.rateLimitExceeded"
    assert error.http_code == 429
    assert error.key == INFO.id
    assert error.limit == 3
    assert error.retry_after is not None
    assert 59.0 < error.retry_after <= 60.0
    assert error.reset_at == pytest.approx(clock.now() + error.retry_after)


async def test_a_new_window_opens_when_the_old_one_expires_in_redis(prefix: str) -> None:
    middleware = RedisRateLimitMiddleware()
    chain = limited(middleware, prefix, Counted(), window_ms=100, max=1)
    try:
        await chain("first")
        with pytest.raises(RateLimitExceededError):
            await chain("second")
        await asyncio.sleep(0.15)
        assert await chain("third") == "third"
    finally:
        await middleware.dispose()


async def test_key_fn_gives_each_key_its_own_quota_and_names_it_in_the_error(
    prefix: str,
) -> None:
    middleware = RedisRateLimitMiddleware()
    chain = limited(middleware, prefix, Counted(), max=1, key_fn=lambda user: f"user-{user}")
    try:
        await chain("ann")
        await chain("bob")
        with pytest.raises(RateLimitExceededError) as caught:
            await chain("ann")
    finally:
        await middleware.dispose()
    assert caught.value.key == "user-ann"


async def test_tasks_do_not_share_a_quota(prefix: str) -> None:
    middleware = RedisRateLimitMiddleware()
    search = limited(middleware, prefix, Counted(), max=1)
    other = limited(middleware, prefix, Counted(), DefinitionInfo("app.tasks.other"), max=1)
    try:
        await search(1)
        assert await other(2) == 2
    finally:
        await middleware.dispose()


async def test_instances_share_one_window_as_separate_processes_would(prefix: str) -> None:
    first, second = RedisRateLimitMiddleware(), RedisRateLimitMiddleware()
    chains = [limited(m, prefix, Counted(), max=2) for m in (first, second)]
    try:
        await chains[0](1)
        await chains[1](2)
        with pytest.raises(RateLimitExceededError):
            await chains[0](3)
        with pytest.raises(RateLimitExceededError):
            await chains[1](4)
    finally:
        await first.dispose()
        await second.dispose()


async def test_concurrent_callers_get_exactly_max_admissions(prefix: str) -> None:
    middleware = RedisRateLimitMiddleware()
    task = Counted()
    chain = limited(middleware, prefix, task, max=10)
    try:
        results = await asyncio.gather(*(chain(i) for i in range(50)), return_exceptions=True)
    finally:
        await middleware.dispose()
    rejected = [r for r in results if isinstance(r, RateLimitExceededError)]
    assert task.calls == 10
    assert len(rejected) == 40


async def test_a_window_key_left_without_expiry_gets_one(prefix: str, redis: Redis) -> None:
    await redis.set(f"{prefix}:{INFO.id}", 0)  # e.g. written by hand, no TTL
    middleware = RedisRateLimitMiddleware()
    try:
        await limited(middleware, prefix, Counted(), window_ms=5_000)(1)
    finally:
        await middleware.dispose()
    assert 0 < await redis.pttl(f"{prefix}:{INFO.id}") <= 5_000


async def test_the_script_is_reloaded_after_redis_forgets_it(prefix: str, redis: Redis) -> None:
    middleware = RedisRateLimitMiddleware()
    chain = limited(middleware, prefix, Counted(), max=5)
    try:
        await chain(1)
        await redis.script_flush()
        assert await chain(2) == 2
    finally:
        await middleware.dispose()
    assert int(await redis.get(f"{prefix}:{INFO.id}") or 0) == 2


async def test_redis_down_is_a_typed_error_at_once_and_the_task_does_not_run(
    prefix: str, down_url: str
) -> None:
    middleware = RedisRateLimitMiddleware()
    task = Counted()
    chain = limited(middleware, prefix, task, url=down_url)
    try:
        async with asyncio.timeout(5):
            with pytest.raises(RedisUnavailableError) as caught:
                await chain(1)
    finally:
        await middleware.dispose()
    assert task.calls == 0
    assert caught.value.http_code == 503
    assert down_url in str(caught.value)


async def test_url_env_overrides_the_configured_url(
    prefix: str, down_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_RATE_LIMIT_REDIS", down_url)
    middleware = RedisRateLimitMiddleware()
    chain = limited(middleware, prefix, Counted(), url_env="TEST_RATE_LIMIT_REDIS")
    try:
        with pytest.raises(RedisUnavailableError, match=down_url):
            await chain(1)
    finally:
        await middleware.dispose()


async def test_an_unset_url_env_keeps_the_configured_url(prefix: str) -> None:
    middleware = RedisRateLimitMiddleware()
    chain = limited(middleware, prefix, Counted(), url_env="TEST_RATE_LIMIT_UNSET_VARIABLE")
    try:
        assert await chain(7) == 7
    finally:
        await middleware.dispose()


async def test_a_password_in_the_url_is_not_shown_in_the_error(prefix: str, down_url: str) -> None:
    secret_url = down_url.replace("redis://", "redis://user:hunter2@")
    middleware = RedisRateLimitMiddleware()
    chain = limited(middleware, prefix, Counted(), url=secret_url)
    try:
        with pytest.raises(RedisUnavailableError) as caught:
            await chain(1)
    finally:
        await middleware.dispose()
    assert "hunter2" not in str(caught.value)
    assert "user:***@127.0.0.1" in str(caught.value)


@pytest.mark.parametrize(("window_ms", "max"), [(0, 1), (-5, 1), (1000, 0), (1000, -1)])
def test_invalid_config_is_refused(window_ms: int, max: int) -> None:
    with pytest.raises(MiddlewareConfigError):
        RedisRateLimitConfig(window_ms=window_ms, max=max)
