"""A Lua script run by its SHA (EVALSHA), loaded on first use and again after SCRIPT FLUSH."""

from __future__ import annotations

import hashlib
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError


class LuaScript:
    __slots__ = ("sha", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode("utf-8")).hexdigest()

    async def __call__(self, client: Redis, keys: list[str], args: list[Any]) -> Any:
        try:
            return await client.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:
            # The server forgot it (restart, SCRIPT FLUSH, failover): EVAL sends and caches it.
            return await client.eval(self.source, len(keys), *keys, *args)
