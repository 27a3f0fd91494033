"""A cancelled caller closes its HTTP request, so the server can cancel the remote work.

The server is a real uvicorn in this loop; an app learns of the caller leaving from an
``http.disconnect`` message, or (under runner-gen's guarded server) by being cancelled.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from runner_gen.runtime.client import AsyncTransport
from runner_gen.runtime.exposure.server import serve_asgi
from runner_gen.runtime.serializer import dumps
from runner_gen.runtime.tunnel import remote_task

Message = MutableMapping[str, Any]


@dataclass
class Watcher:
    """An ASGI app: ``slow`` waits for the caller to leave, anything else answers at once."""

    stopping: bool = False
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    disconnected: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass  # the request body, read in full as an exposure does
        if scope["path"].endswith("/slow"):
            self.arrived.set()
            try:
                message = await receive()  # nothing more to read: this is the caller leaving
            except asyncio.CancelledError:
                # The guarded server cancels the request's task when its client disconnects.
                self.disconnected.set()
                raise
            if message["type"] == "http.disconnect":
                self.disconnected.set()
            return
        body = dumps({"ok": True, "result": "ok"})
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@asynccontextmanager
async def watched() -> AsyncIterator[tuple[Watcher, str]]:
    watcher = Watcher()
    running = await serve_asgi(watcher, host="127.0.0.1", port=0, drain_budget=1.0)
    try:
        yield watcher, f"http://127.0.0.1:{running.port}/__runner"
    finally:
        await running.stop()


async def cancel_mid_call(watcher: Watcher, call: Awaitable[object]) -> None:
    calling = asyncio.ensure_future(call)
    await asyncio.wait_for(watcher.arrived.wait(), 10)
    calling.cancel()
    with pytest.raises(asyncio.CancelledError):
        await calling
    # The server hears of it promptly: the connection was closed, not left to time out.
    await asyncio.wait_for(watcher.disconnected.wait(), 10)


async def test_cancelling_a_transport_call_closes_its_request() -> None:
    async with watched() as (watcher, url), AsyncTransport(url, timeout=60) as transport:
        await cancel_mid_call(watcher, transport.task("slow"))
        assert await transport.task("fast") == "ok"  # the pool is still usable


async def test_cancelling_a_tunneled_task_closes_the_remote_request() -> None:
    async with watched() as (watcher, url), AsyncTransport(url, timeout=60) as transport:
        run_remotely = remote_task(transport, "slow", None, None)
        await cancel_mid_call(watcher, run_remotely(None))
        assert await remote_task(transport, "fast", None, None)(None) == "ok"
