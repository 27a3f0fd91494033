"""Redis circuit breaker: the memory breaker's state machine, with its state shared in Redis.

CLOSED counts consecutive failures; at ``failure_threshold`` the circuit opens for
``reset_timeout`` ms and every process fails fast. After that one probe is admitted (HALF_OPEN)
and holds a lease of ``reset_timeout`` ms, so a hung (or killed) probe cannot wedge the circuit;
success closes it, failure opens it again, cancellation frees the probe slot at once. Each
transition runs as one Lua script on a hash ``<prefix>:<task id>`` (fields s, f, b, e: state,
failures, blocked-until ms, epoch), so concurrent processes never see a half-made transition.

Times come from the Redis server's clock (``TIME``), the one clock every process shares. Tests
may inject a ``Clock`` instead; its ``now()`` is then sent with each script.

The per-call cost on a healthy circuit is one round trip (the admission check); a success after
failures, and every failure, add one more. Results from an earlier epoch are ignored, as in
memory. A failure to *record* an outcome is swallowed: the caller gets the task's own result.

"Consecutive" is exact within a process (checked against the memory breaker by a model test)
and close across processes: a success resets the shared count when its call was admitted with
failures on record or its process has recorded failures since its last reset; a success in
process B does not reset a failure that process A recorded after B's call was admitted clean,
so across processes the circuit errs toward opening slightly early, never late.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from runner_gen.runtime.clock import SYSTEM_CLOCK, Clock
from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.middleware.circuit_breaker import CircuitSnapshot, CircuitState
from runner_gen.runtime.middleware.errors import CircuitOpenError, MiddlewareConfigError
from runner_gen.runtime.middleware.protocol import Middleware
from runner_gen.runtime.redis.clients import (
    DEFAULT_TIMEOUT_MS,
    RedisClients,
    redact_url,
    resolve_url,
)
from runner_gen.runtime.redis.errors import RedisUnavailableError
from runner_gen.runtime.redis.lua import LuaScript
from runner_gen.runtime.redis.rate_limit import DEFAULT_URL

_NOW = """
local function now_ms(given)
  if given ~= '' then return tonumber(given) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
"""

# -> {1, epoch, kind} admitted (kind 1: closed and clean, 2: closed with failures, 3: probe),
#    {0, ms until a probe may be admitted, 0} rejected.
_ADMIT = LuaScript(
    _NOW
    + """
local h = redis.call('HMGET', KEYS[1], 's', 'f', 'b', 'e')
local state = tonumber(h[1]) or 0
local epoch = tonumber(h[4]) or 0
if state == 0 then
  if (tonumber(h[2]) or 0) > 0 then return {1, epoch, 2} end
  return {1, epoch, 1}
end
local now = now_ms(ARGV[2])
local blocked = tonumber(h[3]) or 0
if now < blocked then return {0, blocked - now, 0} end
epoch = epoch + 1
redis.call('HSET', KEYS[1], 's', 2, 'b', now + tonumber(ARGV[1]), 'e', epoch)
return {1, epoch, 3}
"""
)

_SUCCEEDED = LuaScript("""
local h = redis.call('HMGET', KEYS[1], 's', 'e')
local epoch = tonumber(h[2]) or 0
if epoch ~= tonumber(ARGV[1]) then return 0 end
if tonumber(h[1]) == 2 then
  redis.call('HSET', KEYS[1], 's', 0, 'f', 0, 'e', epoch + 1)
else
  redis.call('HSET', KEYS[1], 'f', 0)
end
return 1
""")

_FAILED = LuaScript(
    _NOW
    + """
local h = redis.call('HMGET', KEYS[1], 's', 'e')
local epoch = tonumber(h[2]) or 0
if epoch ~= tonumber(ARGV[1]) then return 0 end
if (tonumber(h[1]) or 0) == 0 then
  local failures = redis.call('HINCRBY', KEYS[1], 'f', 1)
  if failures < tonumber(ARGV[2]) then return 0 end
end
redis.call('HSET', KEYS[1], 's', 1, 'b', now_ms(ARGV[4]) + tonumber(ARGV[3]), 'e', epoch + 1)
return 1
"""
)

_CANCELLED = LuaScript(
    _NOW
    + """
local h = redis.call('HMGET', KEYS[1], 's', 'e')
local epoch = tonumber(h[2]) or 0
if epoch ~= tonumber(ARGV[1]) or tonumber(h[1]) ~= 2 then return 0 end
redis.call('HSET', KEYS[1], 'b', now_ms(ARGV[2]), 'e', epoch + 1)
return 1
"""
)

# -> {state, failures, ms until a probe may be admitted (<= 0: now)}
_SNAPSHOT = LuaScript(
    _NOW
    + """
local h = redis.call('HMGET', KEYS[1], 's', 'f', 'b')
return {tonumber(h[1]) or 0, tonumber(h[2]) or 0, (tonumber(h[3]) or 0) - now_ms(ARGV[1])}
"""
)

_STATES = (CircuitState.CLOSED, CircuitState.OPEN, CircuitState.HALF_OPEN)
_CLEAN, _WITH_FAILURES, _PROBE = 1, 2, 3


@dataclass(frozen=True, slots=True)
class RedisCircuitBreakerConfig:
    """Runner's defaults: open after 5 consecutive failures, probe again after 30000 ms."""

    failure_threshold: int = 5
    reset_timeout: int = 30_000
    url: str = DEFAULT_URL
    url_env: str | None = None
    prefix: str = "runner:breaker"
    #: How long a Redis command may take before the call fails with RedisUnavailableError.
    timeout_ms: int = DEFAULT_TIMEOUT_MS

    def __post_init__(self) -> None:
        if self.failure_threshold < 1:
            raise MiddlewareConfigError(
                f"circuit breaker failure_threshold must be >= 1, got {self.failure_threshold}"
            )
        if self.reset_timeout < 0:
            raise MiddlewareConfigError(
                f"circuit breaker reset_timeout must be >= 0 ms, got {self.reset_timeout}"
            )
        if self.timeout_ms <= 0:
            raise MiddlewareConfigError(
                f"circuit breaker timeout_ms must be > 0, got {self.timeout_ms}"
            )


async def _record(script: LuaScript, client: Redis, key: str, args: list[Any]) -> None:
    # The task's own outcome is what the caller needs; a lost report costs the breaker one
    # data point, never the caller its result or its error.
    with suppress(RedisError):
        await script(client, [key], args)


class RedisCircuitBreakerMiddleware(Middleware[RedisCircuitBreakerConfig]):
    """One shared circuit per task id (and prefix) for every process that uses the same Redis."""

    __slots__ = ("_circuits", "_clients", "_clock")

    def __init__(self, *, clock: Clock | None = None) -> None:
        self._clock = clock
        self._clients = RedisClients()
        self._circuits: dict[str, tuple[Redis, str, str]] = {}

    def _now_ms(self) -> Callable[[], int | str]:
        clock = self._clock
        if clock is None:
            return lambda: ""  # the scripts read the server's TIME
        return lambda: round(clock.now() * 1000)

    async def snapshot(self, task_id: str) -> CircuitSnapshot:
        """The shared circuit of ``task_id`` as this process's clock sees it (``KeyError`` when
        no chain of that task was wrapped; ``RedisUnavailableError`` when Redis fails)."""
        client, key, shown_url = self._circuits[task_id]
        try:
            state, failures, wait_ms = await _SNAPSHOT(client, [key], [self._now_ms()()])
        except RedisError as error:
            raise RedisUnavailableError(shown_url, error) from error
        now = (self._clock or SYSTEM_CLOCK).now()
        return CircuitSnapshot(task_id, _STATES[state], failures, now + max(wait_ms, 0) / 1000)

    def wrap(self, next: Next, info: DefinitionInfo, config: RedisCircuitBreakerConfig) -> Next:
        url = resolve_url(config.url, config.url_env)
        client = self._clients.get(url, config.timeout_ms)
        shown_url = redact_url(url)
        key = f"{config.prefix}:{info.id}"
        self._circuits[info.id] = (client, key, shown_url)
        task_id = info.id
        now_ms = self._now_ms()
        threshold = config.failure_threshold
        reset_ms = config.reset_timeout
        admit = _ADMIT
        keys = [key]
        # True when this process recorded a failure the shared count may still hold: a success
        # must then reset it even if the circuit was clean when that call was admitted.
        failures_recorded = False

        async def guarded(input: Any) -> Any:
            nonlocal failures_recorded
            try:
                admitted, value, kind = await admit(client, keys, [reset_ms, now_ms()])
            except RedisError as error:
                raise RedisUnavailableError(shown_url, error) from error
            if not admitted:
                raise CircuitOpenError(task_id, value / 1000)
            try:
                result = await next(input)
            except Exception:
                failures_recorded = True
                await _record(_FAILED, client, key, [value, threshold, reset_ms, now_ms()])
                raise
            except asyncio.CancelledError:
                if kind == _PROBE:
                    await _record(_CANCELLED, client, key, [value, now_ms()])
                raise
            if kind != _CLEAN or failures_recorded:
                failures_recorded = False
                await _record(_SUCCEEDED, client, key, [value])
            return result

        return guarded

    async def dispose(self) -> None:
        self._circuits.clear()
        await self._clients.close()
