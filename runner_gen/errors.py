"""Every error runner-gen raises on purpose, for ``except`` clauses and annotations.

All derive from ``RunnerError`` (a stable ``id`` and ``http_code``). Typed errors
(``r.error(...)``) are ``TypedError[Data]`` instances created by an ``ErrorDefinition[Data]``.
``RemoteError`` and ``TransportError`` need the ``serve`` extra (httpx), the Redis errors the
``redis`` extra; each is imported on first use only.
"""

from typing import TYPE_CHECKING

from runner_gen._lazy import lazy_exports

if TYPE_CHECKING:
    from runner_gen.definitions.error import ErrorDefinition, TypedError
    from runner_gen.definitions.errors import DefinitionError
    from runner_gen.runtime.client.errors import RemoteError, TransportError
    from runner_gen.runtime.custom_tunnel import TunnelClientContractError
    from runner_gen.runtime.errors import (
        ContextError,
        DisposeError,
        RunnerError,
        ShutdownLockdownError,
    )
    from runner_gen.runtime.journal import JournalDuplicateKeyError
    from runner_gen.runtime.lifecycle import DisposeTimeoutError, dispose_failures
    from runner_gen.runtime.lookup import ElementNotFoundError
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
    from runner_gen.runtime.redis.errors import (
        RedisConfigError,
        RedisUnavailableError,
        TunnelClosedError,
    )

_MIDDLEWARE = "runner_gen.runtime.middleware.errors"
_REDIS = "runner_gen.runtime.redis.errors"
_EXPORTS = {
    "ErrorDefinition": "runner_gen.definitions.error",
    "TypedError": "runner_gen.definitions.error",
    "DefinitionError": "runner_gen.definitions.errors",
    "RemoteError": "runner_gen.runtime.client.errors",
    "TransportError": "runner_gen.runtime.client.errors",
    "ContextError": "runner_gen.runtime.errors",
    "DisposeError": "runner_gen.runtime.errors",
    "RunnerError": "runner_gen.runtime.errors",
    "ShutdownLockdownError": "runner_gen.runtime.errors",
    "JournalDuplicateKeyError": "runner_gen.runtime.journal",
    "DisposeTimeoutError": "runner_gen.runtime.lifecycle",
    "ElementNotFoundError": "runner_gen.runtime.lookup",
    "dispose_failures": "runner_gen.runtime.lifecycle",
    "CacheKeyError": _MIDDLEWARE,
    "CircuitOpenError": _MIDDLEWARE,
    "ConcurrencyConflictError": _MIDDLEWARE,
    "ConcurrencyLimitError": _MIDDLEWARE,
    "ContextRequiredError": _MIDDLEWARE,
    "KeyCapacityExceededError": _MIDDLEWARE,
    "MiddlewareConfigError": _MIDDLEWARE,
    "RateLimitExceededError": _MIDDLEWARE,
    "TaskTimeoutError": _MIDDLEWARE,
    "TemporalDisposedError": _MIDDLEWARE,
    "RedisConfigError": _REDIS,
    "RedisUnavailableError": _REDIS,
    "TunnelClosedError": _REDIS,
    "TunnelClientContractError": "runner_gen.runtime.custom_tunnel",
}

__all__ = [
    "CacheKeyError",
    "CircuitOpenError",
    "ConcurrencyConflictError",
    "ConcurrencyLimitError",
    "ContextError",
    "ContextRequiredError",
    "DefinitionError",
    "DisposeError",
    "DisposeTimeoutError",
    "ElementNotFoundError",
    "ErrorDefinition",
    "JournalDuplicateKeyError",
    "KeyCapacityExceededError",
    "MiddlewareConfigError",
    "RateLimitExceededError",
    "RedisConfigError",
    "RedisUnavailableError",
    "RemoteError",
    "RunnerError",
    "ShutdownLockdownError",
    "TaskTimeoutError",
    "TemporalDisposedError",
    "TransportError",
    "TunnelClientContractError",
    "TunnelClosedError",
    "TypedError",
    "dispose_failures",
]

if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
