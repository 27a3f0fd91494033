from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from examples.caching.models import Profile


@dataclass
class UserService:
    """A slow backend: every lookup is counted, so tests can tell hits from misses."""

    lookups: list[str] = field(default_factory=list)
    delay_s: float = 0.01

    async def fetch(self, user_id: str) -> Profile:
        self.lookups.append(user_id)
        await asyncio.sleep(self.delay_s)
        return Profile(id=user_id, name=f"user {user_id}")


@dataclass
class MemoryCacheState:
    """The custom middleware's private per-app state (Runner's ``.context(() => ...)``)."""

    entries: dict[str, tuple[float, Any]] = field(default_factory=dict)

    def get(self, key: str) -> tuple[bool, Any]:
        entry = self.entries.get(key)
        if entry is None or entry[0] <= time.monotonic():
            self.entries.pop(key, None)
            return False, None
        return True, entry[1]

    def put(self, key: str, value: Any, ttl_ms: int) -> None:
        self.entries[key] = (time.monotonic() + ttl_ms / 1000, value)
