"""Redis clients shared by the middleware of one app: one client (one pool) per distinct URL.

Clients are created when a chain is composed (``wrap``), never per call, and closed by the
owner's ``dispose``. Creating a client does not connect: the first command does.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis

#: How long connecting, or waiting for a reply, may take before the command fails: a Redis
#: that is unreachable or stalled becomes an error instead of a hang.
DEFAULT_TIMEOUT_MS = 5_000


def resolve_url(url: str, url_env: str | None) -> str:
    """``url``, replaced by the environment variable ``url_env`` when that is set and not empty."""
    if url_env:
        return os.environ.get(url_env) or url
    return url


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, for error messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def connect(url: str, timeout_s: float) -> Redis:
    """A client for ``url`` (bytes replies) whose connects and replies time out after
    ``timeout_s`` with ``redis.exceptions.TimeoutError``."""
    return Redis.from_url(url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s)


class RedisClients:
    """A pool of clients keyed by URL (and timeout), owned by one middleware instance."""

    __slots__ = ("_clients",)

    def __init__(self) -> None:
        self._clients: dict[tuple[str, float], Redis] = {}

    def __len__(self) -> int:
        return len(self._clients)

    def get(self, url: str, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> Redis:
        key = (url, timeout_ms / 1000)
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = connect(*key)
        return client

    async def close(self) -> None:
        clients = list(self._clients.values())
        self._clients.clear()
        for client in clients:
            await client.aclose()
