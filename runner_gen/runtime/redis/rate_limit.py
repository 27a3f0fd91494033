"""Redis rate limit: at most ``max`` calls per key in each fixed window, across every process.

One Lua script increments the window's counter and, on its first hit, sets the window's expiry,
then returns the count and the time left: the check is atomic on the server, so processes racing
on one key never lose an update and exactly ``max`` calls pass per window. The window belongs to
Redis (its key expires), so every process sees the same reset time whatever its own clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redis.exceptions import RedisError

from runner_gen.runtime.clock import SYSTEM_CLOCK, Clock
from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.middleware.errors import MiddlewareConfigError, RateLimitExceededError
from runner_gen.runtime.middleware.protocol import Middleware
from runner_gen.runtime.redis.clients import (
    DEFAULT_TIMEOUT_MS,
    RedisClients,
    redact_url,
    resolve_url,
)
from runner_gen.runtime.redis.errors import RedisUnavailableError
from runner_gen.runtime.redis.lua import LuaScript

DEFAULT_URL = "redis://127.0.0.1:6379/0"

# A key left without an expiry (e.g. written by hand) would never reset: give it one.
_HIT = LuaScript("""
local count = redis.call('INCR', KEYS[1])
local ttl = -1
if count > 1 then ttl = redis.call('PTTL', KEYS[1]) end
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
""")


@dataclass(frozen=True, slots=True)
class RedisRateLimitConfig:
    """``key_fn(input)`` picks the quota (default: one per task); ``url_env`` overrides ``url``."""

    window_ms: int
    max: int
    key_fn: Callable[[Any], str] | None = None
    url: str = DEFAULT_URL
    url_env: str | None = None
    prefix: str = "runner:ratelimit"
    #: How long a Redis command may take before the call fails with RedisUnavailableError.
    timeout_ms: int = DEFAULT_TIMEOUT_MS

    def __post_init__(self) -> None:
        if self.window_ms <= 0:
            raise MiddlewareConfigError(f"rate limit window_ms must be > 0, got {self.window_ms}")
        if self.max <= 0:
            raise MiddlewareConfigError(f"rate limit max must be > 0, got {self.max}")
        if self.timeout_ms <= 0:
            raise MiddlewareConfigError(f"rate limit timeout_ms must be > 0, got {self.timeout_ms}")


class RedisRateLimitMiddleware(Middleware[RedisRateLimitConfig]):
    """Fixed windows in Redis, keyed ``<prefix>:<task id>[:<key>]``."""

    __slots__ = ("_clients", "_clock")

    def __init__(self, *, clock: Clock = SYSTEM_CLOCK) -> None:
        # The clock only dates ``reset_at`` on the error; the window itself expires in Redis.
        self._clock = clock
        self._clients = RedisClients()

    def wrap(self, next: Next, info: DefinitionInfo, config: RedisRateLimitConfig) -> Next:
        url = resolve_url(config.url, config.url_env)
        client = self._clients.get(url, config.timeout_ms)
        shown_url = redact_url(url)
        clock = self._clock
        hit = _HIT
        window_ms = config.window_ms
        limit = config.max
        key_fn = config.key_fn
        task_key = f"{config.prefix}:{info.id}"
        task_id = info.id

        async def limited(input: Any) -> Any:
            if key_fn is None:
                key, redis_key = task_id, task_key
            else:
                key = key_fn(input)
                redis_key = f"{task_key}:{key}"
            try:
                count, ttl_ms = await hit(client, [redis_key], [window_ms])
            except RedisError as error:
                raise RedisUnavailableError(shown_url, error) from error
            if count > limit:
                retry_after = ttl_ms / 1000
                raise RateLimitExceededError(
                    key=key,
                    limit=limit,
                    reset_at=clock.now() + retry_after,
                    retry_after=retry_after,
                )
            return await next(input)

        return limited

    async def dispose(self) -> None:
        await self._clients.close()
