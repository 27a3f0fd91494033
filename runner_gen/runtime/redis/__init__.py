"""Scale-out on Redis: middleware whose state every process shares, and an event tunnel over
Redis Streams. Imported only by apps that use them (the ``redis`` extra)."""

from runner_gen.runtime.redis.cache import (
    RedisCacheConfig,
    RedisCacheMiddleware,
    RedisCacheProvider,
)
from runner_gen.runtime.redis.circuit_breaker import (
    RedisCircuitBreakerConfig,
    RedisCircuitBreakerMiddleware,
)
from runner_gen.runtime.redis.errors import (
    RedisConfigError,
    RedisUnavailableError,
    TunnelClosedError,
)
from runner_gen.runtime.redis.rate_limit import RedisRateLimitConfig, RedisRateLimitMiddleware
from runner_gen.runtime.redis.tunnel import (
    EventHandler,
    RedisEventTunnel,
    close_redis_event_tunnel,
    open_redis_event_tunnel,
)
from runner_gen.runtime.redis.tunnel_config import RedisEventTunnelConfig

__all__ = [
    "EventHandler",
    "RedisCacheConfig",
    "RedisCacheMiddleware",
    "RedisCacheProvider",
    "RedisCircuitBreakerConfig",
    "RedisCircuitBreakerMiddleware",
    "RedisConfigError",
    "RedisEventTunnel",
    "RedisEventTunnelConfig",
    "RedisRateLimitConfig",
    "RedisRateLimitMiddleware",
    "RedisUnavailableError",
    "TunnelClosedError",
    "close_redis_event_tunnel",
    "open_redis_event_tunnel",
]
