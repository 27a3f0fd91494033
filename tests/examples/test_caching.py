"""Caching example: the seed's custom memory cache and the built-in cache with invalidation."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from examples.caching.generated import running
from examples.caching.models import UserId
from tests.support.build import REPO


async def test_the_custom_memory_cache_hits_by_key_and_expires() -> None:
    async with running() as app:
        users = app.resources.users
        first = await app.tasks.get_profile_custom(UserId(id="ada"))
        second = await app.tasks.get_profile_custom(UserId(id="ada"))
        await app.tasks.get_profile_custom(UserId(id="alan"))  # another key: a miss
        assert first == second
        assert users.lookups == ["ada", "alan"]
        await asyncio.sleep(0.3)  # past the 200 ms ttl
        await app.tasks.get_profile_custom(UserId(id="ada"))
        assert users.lookups == ["ada", "alan", "ada"]


async def test_errors_are_not_cached() -> None:
    async with running() as app:
        users = app.resources.users
        fetch = users.fetch

        async def failing(user_id: str) -> object:
            raise ConnectionError("backend down")

        users.fetch = failing  # type: ignore[method-assign,assignment]
        with pytest.raises(ConnectionError):
            await app.tasks.get_profile_custom(UserId(id="eve"))
        users.fetch = fetch  # type: ignore[method-assign]
        assert (await app.tasks.get_profile_custom(UserId(id="eve"))).name == "user eve"


async def test_the_builtin_cache_single_flights_and_invalidates() -> None:
    async with running() as app:
        users = app.resources.users
        results = await asyncio.gather(
            *(app.tasks.get_profile(UserId(id="grace")) for _ in range(10))
        )
        assert {r.name for r in results} == {"user grace"}
        assert users.lookups == ["grace"]  # ten concurrent misses, one backend call
        assert await app.resources.cache.invalidate_keys("user:grace") == 1
        await app.tasks.get_profile(UserId(id="grace"))
        assert users.lookups == ["grace", "grace"]


def test_the_demo_prints_hits_and_misses() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "examples.caching"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.splitlines() == [
        "built-in cache: 3 calls, 1 backend lookup(s)",
        "after invalidate_keys('user:ada'): 2 lookups",
        "custom memory cache: 2 calls, 1 lookup(s)",
        "after the ttl: 2 lookups",
    ]
