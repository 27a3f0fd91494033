"""The built-in middleware's configuration types and extension points.

Attach a built-in with ``globals.middleware.task.retry.with_(RetryConfig(retries=3))`` (or with
keyword arguments); plug a cache store in with a ``CacheProvider``. Errors the middleware raise
are in ``runner_gen.errors``.
"""

from runner_gen.runtime.middleware import (
    Bulkhead,
    CacheConfig,
    CacheEntry,
    CacheProvider,
    CacheProviderFactory,
    CircuitBreakerConfig,
    CircuitSnapshot,
    CircuitState,
    ConcurrencyConfig,
    DebounceConfig,
    FallbackConfig,
    FallbackTask,
    MemoryCacheProvider,
    Middleware,
    RateLimitConfig,
    RequireContextConfig,
    RetryConfig,
    ThrottleConfig,
    TimeoutConfig,
    UsableContext,
    current_deadline,
    deadline_scope,
    stable_key,
    stop_on_rejection,
)

__all__ = [
    "Bulkhead",
    "CacheConfig",
    "CacheEntry",
    "CacheProvider",
    "CacheProviderFactory",
    "CircuitBreakerConfig",
    "CircuitSnapshot",
    "CircuitState",
    "ConcurrencyConfig",
    "DebounceConfig",
    "FallbackConfig",
    "FallbackTask",
    "MemoryCacheProvider",
    "Middleware",
    "RateLimitConfig",
    "RequireContextConfig",
    "RetryConfig",
    "ThrottleConfig",
    "TimeoutConfig",
    "UsableContext",
    "current_deadline",
    "deadline_scope",
    "stable_key",
    "stop_on_rejection",
]
