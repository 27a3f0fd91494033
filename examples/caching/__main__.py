"""`python -m examples.caching`: misses, hits, expiry and invalidation, counted."""

from __future__ import annotations

import asyncio

from examples.caching.generated import running
from examples.caching.models import UserId


async def demo() -> None:
    async with running() as app:
        users = app.resources.users
        for _ in range(3):
            await app.tasks.get_profile(UserId(id="ada"))
        print(f"built-in cache: 3 calls, {len(users.lookups)} backend lookup(s)")
        await app.resources.cache.invalidate_keys("user:ada")
        await app.tasks.get_profile(UserId(id="ada"))
        print(f"after invalidate_keys('user:ada'): {len(users.lookups)} lookups")
        users.lookups.clear()
        await app.tasks.get_profile_custom(UserId(id="alan"))
        await app.tasks.get_profile_custom(UserId(id="alan"))
        print(f"custom memory cache: 2 calls, {len(users.lookups)} lookup(s)")
        await asyncio.sleep(0.25)  # past the 200 ms ttl
        await app.tasks.get_profile_custom(UserId(id="alan"))
        print(f"after the ttl: {len(users.lookups)} lookups")


if __name__ == "__main__":
    asyncio.run(demo())
