"""Client pooling, URL handling, and the definitions the generator reads."""

from __future__ import annotations

import importlib

import pytest
from redis.asyncio import Redis

from runner_gen.definitions.builtins import tunnel_tag
from runner_gen.definitions.redis import (
    redis_cache,
    redis_circuit_breaker,
    redis_event_tunnel,
    redis_rate_limit,
)
from runner_gen.runtime.middleware.protocol import Middleware
from runner_gen.runtime.redis import (
    RedisCacheConfig,
    RedisCacheProvider,
    RedisCircuitBreakerConfig,
    RedisEventTunnelConfig,
    RedisRateLimitConfig,
    RedisUnavailableError,
    close_redis_event_tunnel,
    open_redis_event_tunnel,
)
from runner_gen.runtime.redis.clients import RedisClients, redact_url, resolve_url
from tests.redis.conftest import REDIS_URL


async def test_one_client_per_distinct_url_closed_by_close() -> None:
    clients = RedisClients()
    first = clients.get(REDIS_URL)
    assert clients.get(REDIS_URL) is first
    other = clients.get("redis://127.0.0.1:6379/1")
    assert other is not first
    assert clients.get(REDIS_URL, timeout_ms=250) is not first  # its own socket timeouts
    assert len(clients) == 3
    assert await first.ping() is True
    await clients.close()
    assert len(clients) == 0
    assert clients.get(REDIS_URL) is not first  # a fresh client after close
    await clients.close()


def test_url_env_wins_only_when_set_and_not_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_REDIS_URL_SET", "redis://elsewhere:6379/2")
    monkeypatch.setenv("TEST_REDIS_URL_EMPTY", "")
    monkeypatch.delenv("TEST_REDIS_URL_UNSET", raising=False)
    assert resolve_url(REDIS_URL, "TEST_REDIS_URL_SET") == "redis://elsewhere:6379/2"
    assert resolve_url(REDIS_URL, "TEST_REDIS_URL_EMPTY") == REDIS_URL
    assert resolve_url(REDIS_URL, "TEST_REDIS_URL_UNSET") == REDIS_URL
    assert resolve_url(REDIS_URL, None) == REDIS_URL


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("redis://:secret@cache:6380/1", "redis://:***@cache:6380/1"),
        ("rediss://app:secret@cache/0", "rediss://app:***@cache/0"),
        ("redis://app@cache:6379/0", "redis://app@cache:6379/0"),
    ],
)
def test_passwords_never_reach_messages(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_the_unavailable_error_is_typed_and_retryable_looking() -> None:
    error = RedisUnavailableError("redis://x:6379/0", ConnectionError("refused"))
    assert error.id == "runner.errors.redis.unavailable"
    assert error.http_code == 503
    assert "ConnectionError: refused" in str(error)
    assert error.url == "redis://x:6379/0"


async def test_clearing_an_empty_namespace_is_a_no_op(redis: Redis, prefix: str) -> None:
    provider = RedisCacheProvider(redis, namespace=prefix, ttl_ms=0)
    await provider.clear()
    assert await provider.get("anything") is None


@pytest.mark.parametrize(
    ("definition", "id", "name", "config"),
    [
        (
            redis_rate_limit,
            "globals.middleware.task.redis_rate_limit",
            "RedisRateLimitMiddleware",
            RedisRateLimitConfig,
        ),
        (
            redis_circuit_breaker,
            "globals.middleware.task.redis_circuit_breaker",
            "RedisCircuitBreakerMiddleware",
            RedisCircuitBreakerConfig,
        ),
        (
            redis_cache,
            "globals.middleware.task.redis_cache",
            "RedisCacheMiddleware",
            RedisCacheConfig,
        ),
    ],
)
async def test_middleware_definitions_point_at_classes_built_without_arguments(
    definition: object, id: str, name: str, config: type
) -> None:
    assert definition.id == id  # type: ignore[attr-defined]
    assert definition.config_schema is config  # type: ignore[attr-defined]
    module, _, attribute = definition.implementation.partition(":")  # type: ignore[attr-defined]
    assert attribute == name
    implementation = getattr(importlib.import_module(module), attribute)
    instance = implementation()  # what generated code does
    assert isinstance(instance, Middleware)
    await instance.dispose()


def test_the_event_tunnel_factory_builds_a_tunnel_tagged_resource() -> None:
    tunnel = redis_event_tunnel("app.tunnels.events")
    assert tunnel.id == "app.tunnels.events"
    assert tunnel.config_schema is RedisEventTunnelConfig
    assert [attachment.tag for attachment in tunnel.tags] == [tunnel_tag]
    assert tunnel.init is open_redis_event_tunnel
    assert tunnel.dispose is close_redis_event_tunnel
    configured = tunnel.with_(events=("app.events.*",), stream="orders")
    assert configured.config == RedisEventTunnelConfig(events=("app.events.*",), stream="orders")
