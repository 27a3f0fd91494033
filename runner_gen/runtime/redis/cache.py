"""Redis cache: CacheMiddleware with results stored in Redis, shared by every process.

Entries live under ``<prefix>:<task id>:<key>`` with the TTL set by Redis (``PX``), so every
process sees the same expiry; ``max`` does not apply (size is bounded by Redis's ``maxmemory``
policy). Values travel in the wire serializer's format, so a cached record comes back as the
JSON-like value a remote caller would get; ``decode_result`` turns it back into the task's type.
Single flight stays per process: two processes that miss together both run the task.

When Redis is unreachable the cache fails open by default: a read counts as a miss and a write
is dropped (both logged), because the task can still answer correctly without its cache.
``fail_open=False`` raises ``RedisUnavailableError`` instead.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import RedisError

from runner_gen.runtime.clock import SYSTEM_CLOCK, Clock
from runner_gen.runtime.info import DefinitionInfo
from runner_gen.runtime.middleware.cache import CacheConfig, CacheMiddleware
from runner_gen.runtime.middleware.cache_provider import CacheEntry, CacheProvider
from runner_gen.runtime.middleware.errors import MiddlewareConfigError
from runner_gen.runtime.redis.clients import (
    DEFAULT_TIMEOUT_MS,
    RedisClients,
    redact_url,
    resolve_url,
)
from runner_gen.runtime.redis.errors import RedisUnavailableError
from runner_gen.runtime.redis.rate_limit import DEFAULT_URL
from runner_gen.runtime.serializer import SerializerError, dumps, loads

log = logging.getLogger("runner_gen.redis.cache")

_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")
_SCAN_COUNT = 500


@dataclass(frozen=True, slots=True)
class RedisCacheConfig(CacheConfig):
    """CacheConfig plus where the entries live; ``url_env`` overrides ``url``."""

    url: str = DEFAULT_URL
    url_env: str | None = None
    prefix: str = "runner:cache"
    #: Maps a cached wire value back to the task's result type (e.g. ``Model.model_validate``).
    decode_result: Callable[[Any], Any] | None = None
    fail_open: bool = True
    #: How long a Redis command may take before it counts as Redis being unavailable.
    timeout_ms: int = DEFAULT_TIMEOUT_MS

    def __post_init__(self) -> None:
        CacheConfig.__post_init__(self)
        if self.timeout_ms <= 0:
            raise MiddlewareConfigError(f"cache timeout_ms must be > 0, got {self.timeout_ms}")


class RedisCacheProvider:
    """The cached results of one task, in Redis under ``<namespace>:<key>``."""

    __slots__ = ("_client", "_decode", "_fail_open", "_namespace", "_shown_url", "_ttl_ms")

    def __init__(
        self,
        client: Redis,
        *,
        namespace: str,
        ttl_ms: int,
        url: str = DEFAULT_URL,
        decode_result: Callable[[Any], Any] | None = None,
        fail_open: bool = True,
    ) -> None:
        self._client = client
        self._namespace = namespace + ":"
        self._ttl_ms = ttl_ms if ttl_ms > 0 else None
        self._shown_url = redact_url(url)
        self._decode = decode_result
        self._fail_open = fail_open

    def _unavailable(self, error: RedisError, action: str) -> None:
        failure = RedisUnavailableError(self._shown_url, error)
        if not self._fail_open:
            raise failure from error
        log.warning("redis cache %s skipped: %s", action, failure.message)

    async def get(self, key: str) -> CacheEntry | None:
        try:
            data = await self._client.get(self._namespace + key)
        except RedisError as error:
            self._unavailable(error, "read")
            return None
        if data is None:
            return None
        try:
            value = loads(cast(bytes, data))  # our clients never decode replies
        except SerializerError:
            return None  # not written by us (or corrupted): a miss, and the next set repairs it
        return CacheEntry(value if self._decode is None else self._decode(value))

    async def set(self, key: str, value: Any) -> None:
        data = dumps(value)  # an unencodable result is a bug to surface, not a Redis fault
        try:
            await self._client.set(self._namespace + key, data, px=self._ttl_ms)
        except RedisError as error:
            self._unavailable(error, "write")

    async def delete(self, key: str) -> bool:
        return await self._delete([key]) > 0

    async def invalidate_keys(self, keys: Iterable[str]) -> int:
        return await self._delete(list(keys))

    async def clear(self) -> None:
        pattern = _GLOB_SPECIAL.sub(r"\\\1", self._namespace) + "*"
        try:
            batch: list[bytes] = []
            async for name in self._client.scan_iter(match=pattern, count=_SCAN_COUNT):
                batch.append(name)
                if len(batch) >= _SCAN_COUNT:
                    await self._client.unlink(*batch)
                    batch.clear()
            if batch:
                await self._client.unlink(*batch)
        except RedisError as error:
            raise RedisUnavailableError(self._shown_url, error) from error

    async def _delete(self, keys: list[str]) -> int:
        # Invalidation must not half-succeed silently: a stale entry would be served on.
        if not keys:
            return 0
        namespace = self._namespace
        try:
            removed: int = await self._client.delete(*[namespace + key for key in keys])
        except RedisError as error:
            raise RedisUnavailableError(self._shown_url, error) from error
        return removed


class RedisCacheMiddleware(CacheMiddleware):
    """``CacheMiddleware`` whose providers are ``RedisCacheProvider``s (one client per URL)."""

    __slots__ = ("_clients",)

    def __init__(self, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self._clients = RedisClients()
        super().__init__(clock=clock, provider_factory=self._redis_provider)

    def _redis_provider(self, info: DefinitionInfo, config: CacheConfig) -> CacheProvider:
        if not isinstance(config, RedisCacheConfig):
            config = RedisCacheConfig(ttl=config.ttl, max=config.max, key_fn=config.key_fn)
        url = resolve_url(config.url, config.url_env)
        return RedisCacheProvider(
            self._clients.get(url, config.timeout_ms),
            namespace=f"{config.prefix}:{info.id}",
            ttl_ms=config.ttl,
            url=url,
            decode_result=config.decode_result,
            fail_open=config.fail_open,
        )

    async def dispose(self) -> None:
        await self._clients.close()
