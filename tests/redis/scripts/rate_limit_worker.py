"""One process hammering a shared Redis rate-limit key.

Usage: rate_limit_worker.py URL PREFIX WINDOW_MS MAX CALLS. Prints ``ready``, waits for a token
on the list ``PREFIX:go`` (so every worker starts together), makes CALLS concurrent calls and
prints ``{"admitted": n, "rejected": m}``.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from redis.asyncio import Redis

from runner_gen.runtime.info import DefinitionInfo
from runner_gen.runtime.middleware.errors import RateLimitExceededError
from runner_gen.runtime.redis import RedisRateLimitConfig, RedisRateLimitMiddleware


async def main(url: str, prefix: str, window_ms: int, limit: int, calls: int) -> None:
    middleware = RedisRateLimitMiddleware()

    async def task(input: Any) -> Any:
        return input

    config = RedisRateLimitConfig(window_ms=window_ms, max=limit, url=url, prefix=prefix)
    chain = middleware.wrap(task, DefinitionInfo("mp.tasks.limited"), config)
    control = Redis.from_url(url)
    print("ready", flush=True)
    await control.blpop([f"{prefix}:go"], timeout=10)
    results = await asyncio.gather(*(chain(i) for i in range(calls)), return_exceptions=True)
    rejected = sum(isinstance(r, RateLimitExceededError) for r in results)
    unexpected = [
        repr(r)
        for r in results
        if isinstance(r, BaseException) and not isinstance(r, RateLimitExceededError)
    ]
    admitted = calls - rejected - len(unexpected)
    outcome = {"admitted": admitted, "rejected": rejected, "unexpected": unexpected}
    print(json.dumps(outcome), flush=True)
    await control.aclose()
    await middleware.dispose()


if __name__ == "__main__":
    url, prefix, window_ms, limit, calls = sys.argv[1:6]
    asyncio.run(main(url, prefix, int(window_ms), int(limit), int(calls)))
