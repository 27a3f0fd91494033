"""Serving a whole host app (FastAPI, Starlette, plain ASGI) with runner-gen's hardened uvicorn,
its lifespan included.

``serve_asgi`` leaves the lifespan to its caller; a host app that starts a generated app in its
lifespan needs the server to run it, in the order a user relies on:

1. startup: the lifespan's ``startup`` message; ``lifespan.startup.failed`` raises
   ``LifespanStartupError`` and nothing listens;
2. serve, every request getting a copy of the lifespan state (``request.state``);
3. ``stop()``: stop accepting, let the requests in flight finish within the drain budget (then
   cancel the rest), and only then send ``lifespan.shutdown``, so the app's resources are
   disposed after the last request that used them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from runner_gen.runtime.errors import RunnerError
from runner_gen.runtime.exposure.asgi import Message, Receive, Scope, Send
from runner_gen.runtime.exposure.limits import ServerLimits
from runner_gen.runtime.exposure.server import RunningServer, serve_asgi
from runner_gen.runtime.logging import Logger

_logger = logging.getLogger("runner_gen.asgi")

#: How long a lifespan task gets to end after its last answer before it is cancelled.
_LIFESPAN_EXIT_GRACE = 1.0

_UNAVAILABLE = b'{"error":{"id":"unavailable","message":"The server is shutting down"}}'


class LifespanStartupError(RunnerError):
    """The host app's lifespan refused to start (``lifespan.startup.failed``): the message is
    the framework's (Starlette sends the traceback); ``reason`` is its last line."""

    id = "runner.errors.asgi.startup"

    def __init__(self, detail: str) -> None:
        self.reason = _reason(detail) or "the lifespan failed without a message"
        super().__init__(f"The app did not start: {self.reason}")
        self.detail = detail


class LifespanShutdownError(RunnerError):
    """The host app's lifespan failed while shutting down (``lifespan.shutdown.failed``)."""

    id = "runner.errors.asgi.shutdown"

    def __init__(self, detail: str) -> None:
        self.reason = _reason(detail) or "the lifespan failed without a message"
        super().__init__(f"The app did not shut down cleanly: {self.reason}")
        self.detail = detail


class _LifespanDriver:
    """The server's side of the ASGI lifespan protocol, for one app."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self.state: dict[str, Any] = {}
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._outbox: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.supported = True

    async def startup(self) -> None:
        scope: Scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": self.state,
        }
        self._task = asyncio.ensure_future(self._app(scope, self._inbox.get, self._outbox.put))
        reply = await self._exchange({"type": "lifespan.startup"})
        if reply is None:
            failure = self._finished_with()
            if failure is not None:  # raised before answering: nothing started
                raise LifespanStartupError(f"{type(failure).__name__}: {failure}") from failure
            self.supported = False  # returned without answering: the app has no lifespan
            return
        if reply["type"] == "lifespan.startup.failed":
            await self._finish()
            raise LifespanStartupError(str(reply.get("message", "")))

    async def shutdown(self) -> None:
        if not self.supported or self._task is None or self._task.done():
            return
        reply = await self._exchange({"type": "lifespan.shutdown"})
        await self._finish()
        if reply is None:
            failure = self._finished_with()
            if failure is not None:
                raise LifespanShutdownError(f"{type(failure).__name__}: {failure}") from failure
            return
        if reply["type"] == "lifespan.shutdown.failed":
            raise LifespanShutdownError(str(reply.get("message", "")))

    async def _exchange(self, message: Message) -> Message | None:
        """Send ``message``; the app's reply, or None when the app returned without one."""
        assert self._task is not None
        await self._inbox.put(message)
        reply = asyncio.ensure_future(self._outbox.get())
        await asyncio.wait({reply, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if reply.done():
            return reply.result()
        reply.cancel()
        return None

    async def _finish(self) -> None:
        """Let the lifespan task end (a framework returns, or re-raises after answering
        ``failed``); one that keeps waiting for a message that will never come is cancelled."""
        assert self._task is not None
        await asyncio.wait({self._task}, timeout=_LIFESPAN_EXIT_GRACE)
        if not self._task.done():
            self._task.cancel()
            await asyncio.wait({self._task})
        self._finished_with()

    def _finished_with(self) -> BaseException | None:
        assert self._task is not None
        if not self._task.done() or self._task.cancelled():
            return None
        return self._task.exception()


class _Hosted:
    """The served app: each request gets its copy of the lifespan state; once stopping, new
    requests get a 503 before reaching the host app."""

    def __init__(self, app: Any, state: dict[str, Any]) -> None:
        self._app = app
        self._state = state
        self.stopping = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self.stopping:
                await _unavailable(send)
                return
            scope["state"] = dict(self._state)
        await self._app(scope, receive, send)


class HostedServer:
    """A host app listening, its lifespan started: ``.url``, ``.port``, ``await .stop()``."""

    def __init__(self, server: RunningServer, lifespan: _LifespanDriver, hosted: _Hosted) -> None:
        self.server = server
        self.port = server.port
        self.url = server.url
        self._lifespan = lifespan
        self._hosted = hosted
        self._stopped: asyncio.Task[None] | None = None

    @property
    def in_flight(self) -> int:
        return self.server.in_flight

    async def stop(self, drain_budget: float | None = None) -> None:
        """Drain the requests in flight (then cancel what is left), then shut the lifespan down:
        the app is disposed after its last request. Safe to call more than once."""
        if self._stopped is None:
            self._stopped = asyncio.create_task(self._stop(drain_budget))
        await asyncio.shield(self._stopped)

    async def dispose(self) -> None:
        """``stop()`` with the configured drain budget, so ``run_main`` can own the process:
        ``run_main(partial(serve_app, api, port=8080))``."""
        await self.stop()

    async def _stop(self, drain_budget: float | None) -> None:
        self._hosted.stopping = True
        try:
            await self.server.stop(drain_budget)
        finally:
            await self._lifespan.shutdown()


async def serve_app(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    drain_budget: float = 10.0,
    name: str = "runner_gen.asgi",
    limits: ServerLimits | None = None,
    logger: Logger | None = None,
) -> HostedServer:
    """Run ``app``'s lifespan startup, then serve it on ``host:port`` (0: a free port) in this
    event loop; returns once listening. ``LifespanStartupError`` when the app refuses to start
    (nothing listens then); ``ExposureStartError`` when the port cannot be bound (the lifespan
    is shut down again first)."""
    lifespan = _LifespanDriver(app)
    try:
        await lifespan.startup()
    except LifespanStartupError as failed:
        _logger.error(
            "asgi.lifespan.startup_failed: %s",
            failed.reason,
            extra={"event": "asgi.lifespan.startup_failed", "reason": failed.reason},
        )
        raise
    hosted = _Hosted(app, lifespan.state)
    try:
        server = await serve_asgi(
            hosted,
            host=host,
            port=port,
            drain_budget=drain_budget,
            name=name,
            limits=limits,
            logger=logger,
        )
    except BaseException:
        await lifespan.shutdown()
        raise
    return HostedServer(server, lifespan, hosted)


async def _unavailable(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(_UNAVAILABLE)),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": _UNAVAILABLE})


def _reason(text: str) -> str:
    """The line naming the exception in a framework's failure message: the first unindented
    line after the last traceback header (Starlette sends ``traceback.format_exc()``), or the
    first line of a message that is no traceback."""
    lines = text.strip().splitlines()
    header = "Traceback (most recent call last):"
    if header in lines:
        last = len(lines) - 1 - lines[::-1].index(header)
        for line in lines[last + 1 :]:
            if line.strip() and not line.startswith(" "):
                return line.strip()
    return next((line.strip() for line in lines if line.strip()), "")
