"""Built-in middleware and the protocol every middleware implementation follows."""

from runner_gen.runtime.middleware.cache import CacheConfig, CacheMiddleware, CacheProviderFactory
from runner_gen.runtime.middleware.cache_provider import (
    CacheEntry,
    CacheProvider,
    MemoryCacheProvider,
)
from runner_gen.runtime.middleware.circuit_breaker import (
    CircuitBreakerConfig,
    CircuitBreakerMiddleware,
    CircuitSnapshot,
    CircuitState,
)
from runner_gen.runtime.middleware.concurrency import (
    Bulkhead,
    ConcurrencyConfig,
    ConcurrencyMiddleware,
)
from runner_gen.runtime.middleware.deadline import current_deadline, deadline_scope
from runner_gen.runtime.middleware.errors import (
    CacheKeyError,
    CircuitOpenError,
    ConcurrencyConflictError,
    ConcurrencyLimitError,
    ContextRequiredError,
    KeyCapacityExceededError,
    MiddlewareConfigError,
    RateLimitExceededError,
    TaskTimeoutError,
    TemporalDisposedError,
)
from runner_gen.runtime.middleware.fallback import FallbackConfig, FallbackMiddleware, FallbackTask
from runner_gen.runtime.middleware.keys import stable_key
from runner_gen.runtime.middleware.protocol import Middleware
from runner_gen.runtime.middleware.rate_limit import RateLimitConfig, RateLimitMiddleware
from runner_gen.runtime.middleware.require_context import (
    RequireContextConfig,
    RequireContextMiddleware,
    UsableContext,
)
from runner_gen.runtime.middleware.retry import (
    RetryConfig,
    RetryMiddleware,
    is_hook_failure,
    not_after_hooks,
    stop_on_rejection,
)
from runner_gen.runtime.middleware.temporal import (
    DebounceConfig,
    DebounceMiddleware,
    ThrottleConfig,
    ThrottleMiddleware,
)
from runner_gen.runtime.middleware.timeout import TimeoutConfig, TimeoutMiddleware

__all__ = [
    "Bulkhead",
    "CacheConfig",
    "CacheEntry",
    "CacheKeyError",
    "CacheMiddleware",
    "CacheProvider",
    "CacheProviderFactory",
    "CircuitBreakerConfig",
    "CircuitBreakerMiddleware",
    "CircuitOpenError",
    "CircuitSnapshot",
    "CircuitState",
    "ConcurrencyConfig",
    "ConcurrencyConflictError",
    "ConcurrencyLimitError",
    "ConcurrencyMiddleware",
    "ContextRequiredError",
    "DebounceConfig",
    "DebounceMiddleware",
    "FallbackConfig",
    "FallbackMiddleware",
    "FallbackTask",
    "KeyCapacityExceededError",
    "MemoryCacheProvider",
    "Middleware",
    "MiddlewareConfigError",
    "RateLimitConfig",
    "RateLimitExceededError",
    "RateLimitMiddleware",
    "RequireContextConfig",
    "RequireContextMiddleware",
    "RetryConfig",
    "RetryMiddleware",
    "TaskTimeoutError",
    "TemporalDisposedError",
    "ThrottleConfig",
    "ThrottleMiddleware",
    "TimeoutConfig",
    "TimeoutMiddleware",
    "UsableContext",
    "current_deadline",
    "deadline_scope",
    "is_hook_failure",
    "not_after_hooks",
    "stable_key",
    "stop_on_rejection",
]
