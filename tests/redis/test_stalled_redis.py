"""A Redis that accepts connections but never answers must become a typed error after
``timeout_ms``, not a hang: every wait here is bounded far below the 5 s default."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from runner_gen.runtime.info import DefinitionInfo
from runner_gen.runtime.middleware.errors import MiddlewareConfigError
from runner_gen.runtime.redis import (
    RedisCacheConfig,
    RedisCacheMiddleware,
    RedisCircuitBreakerConfig,
    RedisCircuitBreakerMiddleware,
    RedisConfigError,
    RedisEventTunnel,
    RedisEventTunnelConfig,
    RedisRateLimitConfig,
    RedisRateLimitMiddleware,
    RedisUnavailableError,
)

INFO = DefinitionInfo("app.tasks.slow_dependency")
BOUND_S = 3.0  # well below the default 5 s timeout: proves timeout_ms is what ended the wait


async def echo(input: Any) -> Any:
    return input


async def test_rate_limit_fails_with_a_typed_timeout(stalled_url: str) -> None:
    middleware = RedisRateLimitMiddleware()
    config = RedisRateLimitConfig(window_ms=1000, max=1, url=stalled_url, timeout_ms=200)
    chain = middleware.wrap(echo, INFO, config)
    try:
        async with asyncio.timeout(BOUND_S):
            with pytest.raises(RedisUnavailableError, match="TimeoutError"):
                await chain(1)
    finally:
        await middleware.dispose()


async def test_breaker_fails_with_a_typed_timeout(stalled_url: str) -> None:
    middleware = RedisCircuitBreakerMiddleware()
    chain = middleware.wrap(echo, INFO, RedisCircuitBreakerConfig(url=stalled_url, timeout_ms=200))
    try:
        async with asyncio.timeout(BOUND_S):
            with pytest.raises(RedisUnavailableError, match="TimeoutError"):
                await chain(1)
    finally:
        await middleware.dispose()


async def test_cache_fails_open_after_the_timeout_and_the_task_answers(
    stalled_url: str,
) -> None:
    middleware = RedisCacheMiddleware()
    chain = middleware.wrap(echo, INFO, RedisCacheConfig(url=stalled_url, timeout_ms=200))
    try:
        async with asyncio.timeout(BOUND_S):
            assert await chain("answer") == "answer"
    finally:
        await middleware.dispose()


async def test_publishing_fails_with_a_typed_timeout(stalled_url: str) -> None:
    tunnel = RedisEventTunnel(RedisEventTunnelConfig(url=stalled_url, timeout_ms=200, block_ms=100))
    try:
        async with asyncio.timeout(BOUND_S):
            with pytest.raises(RedisUnavailableError, match="TimeoutError"):
                await tunnel.event("app.events.x", 1)
    finally:
        await tunnel.close()


@pytest.mark.parametrize(
    "build",
    [
        lambda: RedisRateLimitConfig(window_ms=1, max=1, timeout_ms=0),
        lambda: RedisCircuitBreakerConfig(timeout_ms=0),
        lambda: RedisCacheConfig(timeout_ms=0),
        lambda: RedisCacheConfig(ttl=-1),  # the base config's own checks still run
    ],
)
def test_a_non_positive_timeout_is_refused(build: Any) -> None:
    with pytest.raises(MiddlewareConfigError):
        build()


def test_the_tunnel_refuses_a_non_positive_timeout() -> None:
    with pytest.raises(RedisConfigError):
        RedisEventTunnelConfig(timeout_ms=0)
