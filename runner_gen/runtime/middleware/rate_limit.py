"""rate_limit: at most ``max`` calls per key in each fixed window of ``window_ms``.

The check and the increment happen with no ``await`` between them, so on one event loop the
limit is exact however many callers race. Windows live in a dict bounded by ``max_keys``: when
it is full, expired windows are evicted first, and only if none are expired is the call
refused with ``KeyCapacityExceededError`` (refusing beats unbounded memory under a key flood).

As in Runner 5.5, the budget belongs to the config: tasks sharing one ``.with_()`` result (the
same config object) draw from the same windows; separate ``.with_()`` calls are separate budgets.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from runner_gen.runtime.clock import SYSTEM_CLOCK, Clock
from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.journal import CURRENT_JOURNAL
from runner_gen.runtime.middleware.errors import (
    KeyCapacityExceededError,
    MiddlewareConfigError,
    RateLimitExceededError,
)
from runner_gen.runtime.middleware.journal_keys import (
    RATE_LIMIT_LIMIT,
    RATE_LIMIT_REMAINING,
    RATE_LIMIT_RESET_TIME,
)
from runner_gen.runtime.middleware.protocol import Middleware, raise_when_awaited


@dataclass(frozen=True, slots=True)
class RateLimitConfig:
    """``key_fn(input)`` picks the quota; by default the whole task shares one."""

    window_ms: int
    max: int
    key_fn: Callable[[Any], str] | None = None
    max_keys: int = 10_000

    def __post_init__(self) -> None:
        # Runner 5.5 refuses non-finite values too; an infinite window would never reset.
        if not math.isfinite(self.window_ms) or self.window_ms <= 0:
            raise MiddlewareConfigError(
                f"rate limit window_ms must be a finite number > 0, got {self.window_ms}"
            )
        if not math.isfinite(self.max) or self.max <= 0:
            raise MiddlewareConfigError(
                f"rate limit max must be a finite number > 0, got {self.max}"
            )
        if self.max_keys <= 0:
            raise MiddlewareConfigError(f"rate limit max_keys must be > 0, got {self.max_keys}")


class _Window:
    __slots__ = ("count", "reset_at")

    def __init__(self, reset_at: float) -> None:
        self.reset_at = reset_at
        self.count = 0


class RateLimitMiddleware(Middleware[RateLimitConfig]):
    """Fixed windows per config object (and per key within it)."""

    __slots__ = ("_clock", "_windows")

    def __init__(self, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self._clock = clock
        # By config identity (equal configs from separate .with_() calls stay separate); the
        # config is kept beside its windows so its id() is not reused while they live.
        self._windows: dict[int, tuple[RateLimitConfig, dict[str, _Window]]] = {}

    def _windows_of(self, config: RateLimitConfig) -> dict[str, _Window]:
        known = self._windows.get(id(config))
        if known is None:
            known = self._windows[id(config)] = (config, {})
        return known[1]

    def wrap(self, next: Next, info: DefinitionInfo, config: RateLimitConfig) -> Next:
        clock = self._clock
        window_s = config.window_ms / 1000
        limit = config.max
        max_keys = config.max_keys
        key_fn = config.key_fn
        task_id = info.id
        windows = self._windows_of(config)

        def open_window(key: str, now: float) -> _Window:
            if key not in windows and len(windows) >= max_keys:
                for stale in [k for k, w in windows.items() if w.reset_at <= now]:
                    del windows[stale]
                if len(windows) >= max_keys:
                    raise KeyCapacityExceededError(
                        middleware="rate limit", task_id=task_id, max_keys=max_keys
                    )
            window = windows[key] = _Window(now + window_s)
            return window

        def exceeded(key: str, window: _Window, now: float) -> RateLimitExceededError:
            return RateLimitExceededError(
                key=key or task_id,
                limit=limit,
                reset_at=window.reset_at,
                retry_after=window.reset_at - now,
            )

        def limited(input: Any) -> Awaitable[Any]:
            # A check before the call and nothing after: the next layer's awaitable is handed
            # back unawaited (one await hop less); a refusal still arrives at the await.
            try:
                key = "" if key_fn is None else key_fn(input)
                now = clock.now()
                window = windows.get(key)
                if window is None or window.reset_at <= now:
                    window = open_window(key, now)
                if window.count >= limit:
                    raise exceeded(key, window, now)
                window.count += 1
                return next(input)
            except Exception as error:
                return raise_when_awaited(error)

        async def limited_journaled(input: Any) -> Any:
            key = "" if key_fn is None else key_fn(input)
            now = clock.now()
            window = windows.get(key)
            if window is None or window.reset_at <= now:
                window = open_window(key, now)
            # Written before the check, as in Runner: a refused call's journal says why.
            journal = CURRENT_JOURNAL.get()
            journal.set(RATE_LIMIT_REMAINING, max(0, limit - window.count), override=True)
            journal.set(RATE_LIMIT_RESET_TIME, window.reset_at, override=True)
            journal.set(RATE_LIMIT_LIMIT, limit, override=True)
            if window.count >= limit:
                raise exceeded(key, window, now)
            window.count += 1
            journal.set(RATE_LIMIT_REMAINING, limit - window.count, override=True)
            return await next(input)

        return limited_journaled if info.journaled else limited
