"""cache: serve a task's result from a provider while it is fresh; run concurrent misses once.

Single flight: the first caller to miss a key becomes its leader and runs the task; callers
that miss the same key meanwhile await the leader's future instead of running it again. If the
leader is cancelled, its followers are woken with a private marker, not the cancellation, and
go round again: the first to resume becomes the new leader. A follower's own cancellation
never reaches the leader (it awaits through ``asyncio.shield``). Errors are shared with the
followers of that flight but never stored, and neither is a ``None`` result: Runner 5.5 does not
cache ``undefined`` (what a JS function that returns nothing gives, as ``None`` is in Python), so
a task that returns nothing runs on every call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from runner_gen.runtime.clock import SYSTEM_CLOCK, Clock
from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.journal import CURRENT_JOURNAL
from runner_gen.runtime.middleware.cache_provider import CacheProvider, MemoryCacheProvider
from runner_gen.runtime.middleware.errors import MiddlewareConfigError
from runner_gen.runtime.middleware.journal_keys import CACHE_HIT
from runner_gen.runtime.middleware.keys import stable_key
from runner_gen.runtime.middleware.protocol import Middleware


@dataclass(frozen=True, slots=True)
class CacheConfig:
    """Runner's defaults: entries live ``ttl`` 10_000 ms (0: until evicted), LRU of ``max`` 100.

    The default key is Runner's, ``"<task id>-<JSON of input>"`` (``stable_key``: compact JSON,
    object keys sorted). ``key_builder(task_id, input)`` replaces it, as Runner's
    ``keyBuilder``; ``key_fn(input)`` is the shorthand when the task id does not matter.
    """

    ttl: int = 10_000
    max: int = 100
    key_fn: Callable[[Any], str] | None = None
    key_builder: Callable[[str, Any], str] | None = None

    def __post_init__(self) -> None:
        if self.key_fn is not None and self.key_builder is not None:
            raise MiddlewareConfigError("cache takes key_fn or key_builder, not both")
        if self.ttl < 0:
            raise MiddlewareConfigError(f"cache ttl must be >= 0 ms, got {self.ttl}")
        if self.max < 1:
            raise MiddlewareConfigError(f"cache max must be >= 1, got {self.max}")


def default_cache_key(task_id: str, input: Any) -> str:
    """Runner's default cache key: ``"<task id>-<JSON of input>"``."""
    return f"{task_id}-{stable_key(input)}"


def cache_key_function(task_id: str, config: CacheConfig) -> Callable[[Any], str]:
    """The key of an input of ``task_id`` under ``config``: key_builder, key_fn or the default."""
    if config.key_fn is not None:
        return config.key_fn
    build = config.key_builder or default_cache_key
    return partial(build, task_id)


#: Builds the provider of one wrapped task; the hook a Redis provider plugs into.
CacheProviderFactory = Callable[[DefinitionInfo, CacheConfig], CacheProvider]


class _LeaderCancelled(Exception):
    """Handed to followers when the leader was cancelled: not their failure, go round again."""


class CacheMiddleware(Middleware[CacheConfig]):
    """One provider per wrapped task; ``invalidate_keys`` and ``clear`` reach all of them."""

    __slots__ = ("_clock", "_provider_factory", "_providers")

    def __init__(
        self,
        *,
        clock: Clock = SYSTEM_CLOCK,
        provider_factory: CacheProviderFactory | None = None,
    ) -> None:
        self._clock = clock
        self._provider_factory = provider_factory or self._memory_provider
        self._providers: list[CacheProvider] = []

    def _memory_provider(self, info: DefinitionInfo, config: CacheConfig) -> CacheProvider:
        return MemoryCacheProvider(max_entries=config.max, ttl_ms=config.ttl, clock=self._clock)

    async def invalidate_keys(self, *keys: str) -> int:
        """Drop ``keys`` (as built by the key function) from every task; how many were cached."""
        removed = 0
        for provider in self._providers:
            removed += await provider.invalidate_keys(keys)
        return removed

    async def clear(self) -> None:
        """Drop every cached result of every task."""
        for provider in self._providers:
            await provider.clear()

    def wrap(self, next: Next, info: DefinitionInfo, config: CacheConfig) -> Next:
        provider = self._provider_factory(info, config)
        self._providers.append(provider)
        key_of = cache_key_function(info.id, config)
        flights: dict[str, asyncio.Future[Any]] = {}

        async def lead(key: str, input: Any) -> Any:
            flight = asyncio.get_running_loop().create_future()
            flights[key] = flight
            try:
                try:
                    result = await next(input)
                except asyncio.CancelledError:
                    flight.set_exception(_LeaderCancelled())
                    flight.exception()  # retrieved: no "never retrieved" log if nobody waits
                    raise
                except BaseException as error:
                    flight.set_exception(error)
                    flight.exception()
                    raise
                flight.set_result(result)
                # The flight stays registered until the value is stored, so a caller arriving
                # in between joins the finished flight instead of running the task again.
                if result is not None:
                    await provider.set(key, result)
                return result
            finally:
                del flights[key]

        async def cached(input: Any) -> Any:
            key = key_of(input)
            while True:
                entry = await provider.get(key)
                if entry is not None:
                    return entry.value
                flight = flights.get(key)
                if flight is None:
                    return await lead(key, input)
                try:
                    return await asyncio.shield(flight)
                except _LeaderCancelled:
                    continue

        async def cached_journaled(input: Any) -> Any:
            journal = CURRENT_JOURNAL.get()
            key = key_of(input)
            while True:
                entry = await provider.get(key)
                if entry is not None:
                    journal.set(CACHE_HIT, True, override=True)
                    return entry.value
                flight = flights.get(key)
                if flight is None:
                    journal.set(CACHE_HIT, False, override=True)
                    return await lead(key, input)
                # Another call is computing this key: its result serves this one, as a hit.
                journal.set(CACHE_HIT, True, override=True)
                try:
                    return await asyncio.shield(flight)
                except _LeaderCancelled:
                    continue

        return cached_journaled if info.journaled else cached
