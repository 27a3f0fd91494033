"""Fixtures for the Redis tests: the real server on loopback, a unique key prefix per test
(deleted afterwards), a URL where nothing listens, and a clock the test moves by hand."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from redis.asyncio import Redis

from tests.conftest import require_service

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(autouse=True)
def _redis_running() -> None:
    require_service("Redis", "127.0.0.1", 6379)


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


@pytest.fixture
async def prefix(redis: Redis) -> AsyncIterator[str]:
    """``test:<uuid>``; every key under it is deleted after the test."""
    name = f"test:{uuid.uuid4().hex}"
    yield name
    keys = [key async for key in redis.scan_iter(match=name + "*", count=500)]
    if keys:
        await redis.delete(*keys)


@pytest.fixture
def down_url() -> str:
    """A Redis URL on a loopback port that was just free: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
async def stalled_url() -> AsyncIterator[str]:
    """A Redis URL whose server accepts connections and never answers (a stalled Redis)."""

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up and disconnects
        writer.close()

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"redis://127.0.0.1:{port}/0"
    server.close()
    await server.wait_closed()


class ManualClock:
    """``now()`` moves only by ``advance``; ``sleep`` yields once and moves time by its length."""

    def __init__(self, start: float = 1000.0) -> None:
        self.value = start
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(0)
        self.value += seconds


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


async def eventually(
    check: Callable[[], Awaitable[bool]], *, polls: int = 250, every: float = 0.02
) -> None:
    """Poll ``check`` (state another process or Redis changes) until it holds; fail after
    ``polls * every`` seconds (5 s by default)."""
    for _ in range(polls):
        if await check():
            return
        await asyncio.sleep(every)
    pytest.fail(f"condition not reached within {polls * every:.0f} s")
