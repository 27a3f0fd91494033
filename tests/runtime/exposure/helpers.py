"""A real exposure per test: uvicorn on 127.0.0.1:0, a real httpx client, raw sockets for the
requests httpx refuses to send (lying lengths, ambiguous framing, half-sent bodies)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from runner_gen.runtime.context import AsyncContext
from runner_gen.runtime.exposure import (
    EventRoute,
    ExposureApp,
    ExposureConfig,
    RunningExposure,
    TaskRoute,
    serve_exposure,
)

TOKEN = "s3cret"


@dataclass
class Served:
    app: ExposureApp
    running: RunningExposure
    client: httpx.AsyncClient


@asynccontextmanager
async def serving(
    tasks: Iterable[TaskRoute] = (),
    events: Iterable[EventRoute] = (),
    *,
    config: ExposureConfig | None = None,
    client_headers: dict[str, str] | None = None,
    contexts: dict[str, AsyncContext[Any]] | None = None,
) -> AsyncIterator[Served]:
    """Serve the routes, yield a client that sends the token, and stop the server afterwards."""
    config = config if config is not None else ExposureConfig(tokens=(TOKEN,))
    app = ExposureApp(
        config, {t.id: t for t in tasks}, {e.id: e for e in events}, contexts=contexts
    )
    running = await serve_exposure(app, config)
    headers = {"x-runner-token": TOKEN} if client_headers is None else client_headers
    try:
        async with httpx.AsyncClient(base_url=running.url, headers=headers, timeout=10) as client:
            yield Served(app, running, client)
    finally:
        await running.stop()


@dataclass
class Recorder:
    """A task or event handler that records what it was given and answers with ``reply``."""

    reply: Callable[[Any], Awaitable[Any]] | None = None
    calls: list[Any] = field(default_factory=list)

    async def __call__(self, value: Any) -> Any:
        self.calls.append(value)
        if self.reply is not None:
            return await self.reply(value)
        return value


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes


async def read_response(reader: asyncio.StreamReader) -> RawResponse:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = await asyncio.wait_for(reader.readexactly(int(headers.get("content-length", "0"))), 5)
    return RawResponse(int(status_line.split()[1]), headers, body)


@asynccontextmanager
async def raw_connection(
    port: int,
) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        yield reader, writer
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):  # the server may have reset it already
            await writer.wait_closed()


async def raw_exchange(port: int, data: bytes) -> RawResponse:
    """Send ``data`` as-is on a fresh connection and read one response."""
    async with raw_connection(port) as (reader, writer):
        writer.write(data)
        await writer.drain()
        return await read_response(reader)


def post_head(path: str, *extra: str, token: str = TOKEN) -> bytes:
    """The head of a POST with the token, plus ``extra`` header lines, ending the head."""
    lines = [f"POST {path} HTTP/1.1", "host: 127.0.0.1", f"x-runner-token: {token}", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
