"""Where the cache middleware keeps results: the provider protocol and the in-memory LRU."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from runner_gen.runtime.clock import SYSTEM_CLOCK, Clock


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """A stored result; wrapping it lets a cached ``None`` differ from a miss."""

    value: Any
    #: When the entry stops being served, on the provider's clock (``inf``: never).
    expires_at: float = math.inf


class CacheProvider(Protocol):
    """Storage for one cached task. Async so a Redis (or other remote) provider fits."""

    async def get(self, key: str) -> CacheEntry | None:
        """The live entry under ``key``, or None on a miss (absent or expired)."""
        ...

    async def set(self, key: str, value: Any) -> None: ...

    async def delete(self, key: str) -> bool:
        """Remove ``key``; True when it was present."""
        ...

    async def clear(self) -> None: ...

    async def invalidate_keys(self, keys: Iterable[str]) -> int:
        """Remove each of ``keys``; the number that were present."""
        ...


class MemoryCacheProvider:
    """LRU of at most ``max_entries`` entries, each living ``ttl_ms`` (0: until evicted)."""

    __slots__ = ("_clock", "_entries", "_max", "_ttl_s")

    def __init__(self, *, max_entries: int, ttl_ms: int, clock: Clock = SYSTEM_CLOCK) -> None:
        self._max = max_entries
        self._ttl_s = ttl_ms / 1000 if ttl_ms > 0 else math.inf
        self._clock = clock
        self._entries: OrderedDict[str, CacheEntry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: str) -> CacheEntry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires_at <= self._clock.now():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry

    async def set(self, key: str, value: Any) -> None:
        entries = self._entries
        entries[key] = CacheEntry(value, self._clock.now() + self._ttl_s)
        entries.move_to_end(key)
        while len(entries) > self._max:
            entries.popitem(last=False)

    async def delete(self, key: str) -> bool:
        return self._entries.pop(key, None) is not None

    async def clear(self) -> None:
        self._entries.clear()

    async def invalidate_keys(self, keys: Iterable[str]) -> int:
        entries = self._entries
        return sum(entries.pop(key, None) is not None for key in keys)
