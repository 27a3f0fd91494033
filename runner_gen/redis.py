"""Scale-out on Redis (needs the ``redis`` extra): middleware whose state every process shares
and an event tunnel over Redis Streams, with their config types, the cache provider and errors.

    from runner_gen.redis import redis_rate_limit

    r.task("api.tasks.search").middleware(redis_rate_limit.with_(window_ms=60_000, max=100))
"""

from runner_gen.definitions.redis import (
    redis_cache,
    redis_circuit_breaker,
    redis_event_tunnel,
    redis_rate_limit,
)
from runner_gen.runtime.redis import (
    EventHandler,
    RedisCacheConfig,
    RedisCacheProvider,
    RedisCircuitBreakerConfig,
    RedisConfigError,
    RedisEventTunnel,
    RedisEventTunnelConfig,
    RedisRateLimitConfig,
    RedisUnavailableError,
    TunnelClosedError,
)

__all__ = [
    "EventHandler",
    "RedisCacheConfig",
    "RedisCacheProvider",
    "RedisCircuitBreakerConfig",
    "RedisConfigError",
    "RedisEventTunnel",
    "RedisEventTunnelConfig",
    "RedisRateLimitConfig",
    "RedisUnavailableError",
    "TunnelClosedError",
    "redis_cache",
    "redis_circuit_breaker",
    "redis_event_tunnel",
    "redis_rate_limit",
]
