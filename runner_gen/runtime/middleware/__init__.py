"""Built-in middleware and the protocol every middleware implementation follows.

Names load on first use (``runner_gen._lazy``): importing one middleware module, or the error
types a client rebuilds, does not import every middleware.
"""

from typing import TYPE_CHECKING

from runner_gen._lazy import lazy_exports

if TYPE_CHECKING:
    from runner_gen.runtime.middleware.cache import (
        CacheConfig,
        CacheMiddleware,
        CacheProviderFactory,
    )
    from runner_gen.runtime.middleware.cache_provider import (
        CacheEntry,
        CacheProvider,
        MemoryCacheProvider,
    )
    from runner_gen.runtime.middleware.circuit_breaker import (
        CIRCUIT_BREAKER_FAILURES,
        CIRCUIT_BREAKER_STATE,
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
    from runner_gen.runtime.middleware.fallback import (
        FallbackConfig,
        FallbackMiddleware,
        FallbackTask,
    )
    from runner_gen.runtime.middleware.journal_keys import (
        CACHE_HIT,
        FALLBACK_ACTIVE,
        FALLBACK_ERROR,
        RATE_LIMIT_LIMIT,
        RATE_LIMIT_REMAINING,
        RATE_LIMIT_RESET_TIME,
        RETRY_ATTEMPT,
        RETRY_LAST_ERROR,
    )
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
    from runner_gen.runtime.middleware.timeout import (
        TIMEOUT_ABORT,
        TimeoutAbort,
        TimeoutConfig,
        TimeoutMiddleware,
    )

_EXPORTS = {
    "CacheConfig": "runner_gen.runtime.middleware.cache",
    "CacheMiddleware": "runner_gen.runtime.middleware.cache",
    "CacheProviderFactory": "runner_gen.runtime.middleware.cache",
    "CacheEntry": "runner_gen.runtime.middleware.cache_provider",
    "CacheProvider": "runner_gen.runtime.middleware.cache_provider",
    "MemoryCacheProvider": "runner_gen.runtime.middleware.cache_provider",
    "CircuitBreakerConfig": "runner_gen.runtime.middleware.circuit_breaker",
    "CircuitBreakerMiddleware": "runner_gen.runtime.middleware.circuit_breaker",
    "CircuitSnapshot": "runner_gen.runtime.middleware.circuit_breaker",
    "CircuitState": "runner_gen.runtime.middleware.circuit_breaker",
    "Bulkhead": "runner_gen.runtime.middleware.concurrency",
    "ConcurrencyConfig": "runner_gen.runtime.middleware.concurrency",
    "ConcurrencyMiddleware": "runner_gen.runtime.middleware.concurrency",
    "current_deadline": "runner_gen.runtime.middleware.deadline",
    "deadline_scope": "runner_gen.runtime.middleware.deadline",
    "CacheKeyError": "runner_gen.runtime.middleware.errors",
    "CircuitOpenError": "runner_gen.runtime.middleware.errors",
    "ConcurrencyConflictError": "runner_gen.runtime.middleware.errors",
    "ConcurrencyLimitError": "runner_gen.runtime.middleware.errors",
    "ContextRequiredError": "runner_gen.runtime.middleware.errors",
    "KeyCapacityExceededError": "runner_gen.runtime.middleware.errors",
    "MiddlewareConfigError": "runner_gen.runtime.middleware.errors",
    "RateLimitExceededError": "runner_gen.runtime.middleware.errors",
    "TaskTimeoutError": "runner_gen.runtime.middleware.errors",
    "TemporalDisposedError": "runner_gen.runtime.middleware.errors",
    "FallbackConfig": "runner_gen.runtime.middleware.fallback",
    "FallbackMiddleware": "runner_gen.runtime.middleware.fallback",
    "FallbackTask": "runner_gen.runtime.middleware.fallback",
    "CACHE_HIT": "runner_gen.runtime.middleware.journal_keys",
    "CIRCUIT_BREAKER_FAILURES": "runner_gen.runtime.middleware.circuit_breaker",
    "CIRCUIT_BREAKER_STATE": "runner_gen.runtime.middleware.circuit_breaker",
    "FALLBACK_ACTIVE": "runner_gen.runtime.middleware.journal_keys",
    "FALLBACK_ERROR": "runner_gen.runtime.middleware.journal_keys",
    "RATE_LIMIT_LIMIT": "runner_gen.runtime.middleware.journal_keys",
    "RATE_LIMIT_REMAINING": "runner_gen.runtime.middleware.journal_keys",
    "RATE_LIMIT_RESET_TIME": "runner_gen.runtime.middleware.journal_keys",
    "RETRY_ATTEMPT": "runner_gen.runtime.middleware.journal_keys",
    "RETRY_LAST_ERROR": "runner_gen.runtime.middleware.journal_keys",
    "stable_key": "runner_gen.runtime.middleware.keys",
    "Middleware": "runner_gen.runtime.middleware.protocol",
    "RateLimitConfig": "runner_gen.runtime.middleware.rate_limit",
    "RateLimitMiddleware": "runner_gen.runtime.middleware.rate_limit",
    "RequireContextConfig": "runner_gen.runtime.middleware.require_context",
    "RequireContextMiddleware": "runner_gen.runtime.middleware.require_context",
    "UsableContext": "runner_gen.runtime.middleware.require_context",
    "RetryConfig": "runner_gen.runtime.middleware.retry",
    "RetryMiddleware": "runner_gen.runtime.middleware.retry",
    "is_hook_failure": "runner_gen.runtime.middleware.retry",
    "not_after_hooks": "runner_gen.runtime.middleware.retry",
    "stop_on_rejection": "runner_gen.runtime.middleware.retry",
    "DebounceConfig": "runner_gen.runtime.middleware.temporal",
    "DebounceMiddleware": "runner_gen.runtime.middleware.temporal",
    "ThrottleConfig": "runner_gen.runtime.middleware.temporal",
    "ThrottleMiddleware": "runner_gen.runtime.middleware.temporal",
    "TIMEOUT_ABORT": "runner_gen.runtime.middleware.timeout",
    "TimeoutAbort": "runner_gen.runtime.middleware.timeout",
    "TimeoutConfig": "runner_gen.runtime.middleware.timeout",
    "TimeoutMiddleware": "runner_gen.runtime.middleware.timeout",
}

# Plain sorted order (tests/runtime/middleware/test_package.py), not ruff's isort-style one.
__all__ = [  # noqa: RUF022
    "Bulkhead",
    "CACHE_HIT",
    "CIRCUIT_BREAKER_FAILURES",
    "CIRCUIT_BREAKER_STATE",
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
    "FALLBACK_ACTIVE",
    "FALLBACK_ERROR",
    "FallbackConfig",
    "FallbackMiddleware",
    "FallbackTask",
    "KeyCapacityExceededError",
    "MemoryCacheProvider",
    "Middleware",
    "MiddlewareConfigError",
    "RATE_LIMIT_LIMIT",
    "RATE_LIMIT_REMAINING",
    "RATE_LIMIT_RESET_TIME",
    "RETRY_ATTEMPT",
    "RETRY_LAST_ERROR",
    "RateLimitConfig",
    "RateLimitExceededError",
    "RateLimitMiddleware",
    "RequireContextConfig",
    "RequireContextMiddleware",
    "RetryConfig",
    "RetryMiddleware",
    "TIMEOUT_ABORT",
    "TaskTimeoutError",
    "TemporalDisposedError",
    "ThrottleConfig",
    "ThrottleMiddleware",
    "TimeoutAbort",
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

if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
