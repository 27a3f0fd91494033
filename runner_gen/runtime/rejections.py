"""Every built-in rejection by wire id: what clients rebuild and what metrics count by name.

A generated client or a tunnel re-raises these without the app declaring them; the metrics
registry counts them under their ids (a closed set, so labels stay bounded).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from runner_gen.runtime.errors import (
    ContextError,
    DisposedError,
    HookError,
    Rejection,
    ShutdownLockdownError,
)
from runner_gen.runtime.middleware.errors import (
    CircuitOpenError,
    ConcurrencyLimitError,
    ContextRequiredError,
    KeyCapacityExceededError,
    RateLimitExceededError,
    TaskTimeoutError,
    TemporalDisposedError,
)
from runner_gen.runtime.redis_unavailable import RedisUnavailableError

BUILTIN_REJECTIONS: Final[Mapping[str, type[Rejection]]] = MappingProxyType(
    {
        cls.id: cls
        for cls in (
            TaskTimeoutError,
            CircuitOpenError,
            RateLimitExceededError,
            ConcurrencyLimitError,
            KeyCapacityExceededError,
            TemporalDisposedError,
            ContextRequiredError,
            ContextError,
            ShutdownLockdownError,
            DisposedError,
            RedisUnavailableError,
        )
    }
)

#: The ids metrics count by name besides the app's own (rejections, plus hook failures).
BUILTIN_ERROR_IDS: Final[tuple[str, ...]] = (*BUILTIN_REJECTIONS, HookError.id)
