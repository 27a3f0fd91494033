"""Redis-backed middleware and the Redis Streams event tunnel, as definitions.

    from runner_gen.definitions.redis import redis_rate_limit, redis_event_tunnel

    task = r.task("api.tasks.search").middleware(
        redis_rate_limit.with_(window_ms=60_000, max=100, url_env="REDIS_URL")
    ).run(search).build()
    events = redis_event_tunnel("app.tunnels.events").with_(
        events=("app.events.*",), url_env="REDIS_URL"
    )

The middleware ids start with ``globals.`` so the build registers them when a task uses them.
"""

from __future__ import annotations

from typing import Any

from runner_gen.definitions.builders import ResourceBuilder, builtin_task_middleware, new_builder
from runner_gen.definitions.builtins import tunnel_tag
from runner_gen.definitions.kinds import Resource, TaskMiddleware
from runner_gen.definitions.source import caller_source
from runner_gen.runtime.redis import (
    RedisCacheConfig,
    RedisCircuitBreakerConfig,
    RedisEventTunnel,
    RedisEventTunnelConfig,
    RedisRateLimitConfig,
    close_redis_event_tunnel,
    open_redis_event_tunnel,
)

_RUNTIME = "runner_gen.runtime.redis"


def _task_middleware(id: str, name: str, config: type[Any]) -> TaskMiddleware[Any]:
    return builtin_task_middleware(id, f"{_RUNTIME}:{name}", config, caller_source())


redis_rate_limit: TaskMiddleware[RedisRateLimitConfig] = _task_middleware(
    "globals.middleware.task.redis_rate_limit", "RedisRateLimitMiddleware", RedisRateLimitConfig
)
redis_circuit_breaker: TaskMiddleware[RedisCircuitBreakerConfig] = _task_middleware(
    "globals.middleware.task.redis_circuit_breaker",
    "RedisCircuitBreakerMiddleware",
    RedisCircuitBreakerConfig,
)
redis_cache: TaskMiddleware[RedisCacheConfig] = _task_middleware(
    "globals.middleware.task.redis_cache", "RedisCacheMiddleware", RedisCacheConfig
)


def redis_event_tunnel(id: str) -> Resource[RedisEventTunnelConfig, RedisEventTunnel]:
    """An event tunnel over a Redis Stream: register ``redis_event_tunnel(id).with_(...)``."""
    return (
        new_builder(ResourceBuilder, "Resource", id, caller_source())
        .config_schema(RedisEventTunnelConfig)
        .tags(tunnel_tag)
        .init(open_redis_event_tunnel)
        .dispose(close_redis_event_tunnel)
        .build()
    )
