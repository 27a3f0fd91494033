"""uvicorn's httptools protocol with the limits it lacks (``ServerLimits``).

- **Header deadline**: a connection must deliver a complete request head within
  ``header_timeout`` of opening (or of the first byte of a later request); else 408 and close.
  One sweeper per server checks every connection a few times per timeout, so a request pays a
  ``loop.time()`` call, not a timer of its own.
- **Header size and count**: the head is counted while it arrives (bytes buffered for a head
  that is still incomplete, and the parsed names, values and URL); over the limit the server
  answers 431 and closes, before the app or the parser's buffer ever hold more.
- **Body deadline**: once the head is in, the body must arrive within ``body_timeout``; the
  same sweeper cancels the request's task (the app answers 408) or, when no task reads the
  body any more, closes the connection.
- **Connection cap**: a connection accepted over ``max_connections`` gets 503 and is closed at
  once, without reading from it.
- **Client disconnects**: when the connection is lost before the response is complete, the
  request's task is cancelled (``extensions.CLIENT_DISCONNECTED``), so the task stops and releases
  what it holds; the cancellation ends quietly instead of as uvicorn's "Exception in ASGI
  application".
- **Whole responses**: the app may hand the complete response to ``scope[WHOLE_RESPONSE]``;
  it leaves in one write (see ``extensions.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import (
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)
from uvicorn.server import ServerState

from runner_gen.runtime.exposure.extensions import (
    BODY_DEADLINE,
    BODY_DEADLINE_EXCEEDED,
    CLIENT_DISCONNECTED,
    WHOLE_RESPONSE,
    is_client_abort,
)
from runner_gen.runtime.exposure.limits import ServerLimits
from runner_gen.runtime.exposure.throttle import ThrottledWarning

_logger = logging.getLogger("runner_gen.exposure")


def _refusal(status: bytes, code: bytes, message: bytes) -> bytes:
    body = b'{"ok":false,"error":{"message":"%s","code":"%s"}}' % (message, code)
    return b"".join(
        [
            b"HTTP/1.1 ",
            status,
            b"\r\ncontent-type: application/json; charset=utf-8\r\n",
            b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body),
            body,
        ]
    )


HEADERS_TOO_LARGE = _refusal(
    b"431 Request Header Fields Too Large",
    b"HEADERS_TOO_LARGE",
    b"Request header fields too large",
)
HEAD_TIMEOUT = _refusal(
    b"408 Request Timeout", b"REQUEST_TIMEOUT", b"Request head not received in time"
)
OVER_CAPACITY = _refusal(
    b"503 Service Unavailable", b"UNAVAILABLE", b"Too many connections, try again later"
)


class GuardedProtocol(HttpToolsProtocol):
    """One connection; ``limits`` and ``warnings`` are set on a per-server subclass."""

    limits: ClassVar[ServerLimits]
    connection_cap: ClassVar[int]
    over_capacity: ClassVar[ThrottledWarning]
    #: [the default-headers list last serialized, its bytes], shared by the server's connections.
    default_head_cache: ClassVar[list[Any]]

    def __init__(
        self,
        config: Any,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._app = self.app
        self.app = self._run_app
        #: When the head now awaited began to be awaited (None: not awaiting a head).
        self.head_since: float | None = None
        #: When the body now awaited began to be awaited (None: not in a body).
        self.body_since: float | None = None
        self._head_bytes = 0  # bytes received while the head is incomplete
        self._head_size = 0  # parsed URL, names and values of the current head
        self._header_count = 0
        self._refused = False
        self._app_task: asyncio.Task[Any] | None = None
        self._answering: Any = None  # the RequestResponseCycle the running task answers
        self._client_gone = False

    # -- connection ------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.connection_cap:
            self._refused = True
            self.connections.discard(self)
            transport.write(OVER_CAPACITY)
            transport.close()
            self.over_capacity()
            return
        self.head_since = self.loop.time()

    def connection_lost(self, exc: Exception | None) -> None:
        task = self._app_task  # set only while a request's task runs, so its cycle exists
        if task is not None and not self.cycle.response_complete:
            self._client_gone = True
            task.cancel(CLIENT_DISCONNECTED)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        super().data_received(data)
        if self.head_since is not None:  # refusals clear it
            # Still inside a head after this chunk: httptools holds it all until the head ends.
            self._head_bytes += len(data)
            if self._head_bytes > self.limits.max_header_bytes:
                self.refuse(HEADERS_TOO_LARGE)

    def refuse(self, response: bytes) -> None:
        """Answer ``response`` (a complete HTTP response) and close; nothing more is read."""
        self._refused = True
        self.head_since = None
        if not self.transport.is_closing():
            self.transport.write(response)
            self.transport.close()

    def expire_body(self) -> None:
        """The body deadline passed: the task reading it is cancelled (it answers 408); with no
        task left to read it, the connection is closed."""
        self.body_since = None
        task = self._app_task
        if task is not None and not self.cycle.response_started:
            task.cancel(BODY_DEADLINE_EXCEEDED)
        elif not self.transport.is_closing():
            self.transport.close()

    def expire(self) -> None:
        """The head deadline passed: 408 when part of a head arrived, else close quietly."""
        if self._head_bytes or self._head_size:
            self.refuse(HEAD_TIMEOUT)
        else:
            self._refused = True
            self.head_since = None
            self.transport.close()

    # -- parser callbacks ------------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self.head_since is None:  # a later request on a kept-alive connection
            self.head_since = self.loop.time()
        self._head_size = 0
        self._header_count = 0

    def on_url(self, url: bytes) -> None:
        self._head_size += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_size += len(name) + len(value) + 4
        self._header_count += 1
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self.head_since = None
        self._head_bytes = 0
        limits = self.limits
        if self._head_size > limits.max_header_bytes or self._header_count > limits.max_headers:
            self.refuse(HEADERS_TOO_LARGE)
            return
        self.body_since = self.loop.time()
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        self.body_since = None
        if not self._refused:
            super().on_message_complete()

    # -- the request's task ----------------------------------------------------------------

    async def _run_app(self, scope: Any, receive: Any, send: Any) -> None:
        task = asyncio.current_task()
        self._app_task = task
        # ``send`` is the running cycle's bound method: pipelined requests wait their turn, so
        # the cycle answered here is this request's even when ``self.cycle`` is a later one.
        self._answering = send.__self__
        scope[WHOLE_RESPONSE] = self._whole_response
        scope[BODY_DEADLINE] = True
        try:
            await self._app(scope, receive, send)
        except asyncio.CancelledError as cancelled:
            if not (self._client_gone and is_client_abort(cancelled)):
                raise
            # Nobody is left to answer; the app had its chance to log the 499.
            assert task is not None
            task.uncancel()
        finally:
            self._app_task = None

    def _whole_response(
        self, status: int, headers: Sequence[tuple[bytes, bytes]], body: bytes
    ) -> Awaitable[None] | None:
        """Write status line, headers and body at once, then finish the cycle as uvicorn's own
        ``send`` would (keep-alive or close, wake the receiver, start a pipelined request).
        Returns an awaitable only when the transport is paused and the write must wait."""
        cycle: RequestResponseCycle = self._answering
        if cycle.flow.write_paused and not cycle.disconnected:
            return self._after_drain(cycle, status, headers, body)
        self._write_whole(cycle, status, headers, body)
        return None

    async def _after_drain(
        self,
        cycle: RequestResponseCycle,
        status: int,
        headers: Sequence[tuple[bytes, bytes]],
        body: bytes,
    ) -> None:
        await cycle.flow.drain()
        self._write_whole(cycle, status, headers, body)

    def _write_whole(
        self,
        cycle: RequestResponseCycle,
        status: int,
        headers: Sequence[tuple[bytes, bytes]],
        body: bytes,
    ) -> None:
        if cycle.disconnected:
            return
        if cycle.response_started:
            raise RuntimeError("a whole response was sent after the response had started")
        cycle.response_started = True
        cycle.waiting_for_100_continue = False
        parts = [STATUS_LINE[status], self._default_head()]
        announced_close = False
        for name, value in headers:
            if name == b"connection":
                cycle.keep_alive = False  # the app only ever sends "connection: close"
                announced_close = True
            parts += (name, b": ", value, b"\r\n")
        if not cycle.keep_alive and not announced_close:
            parts.append(b"connection: close\r\n")
        parts += (b"\r\n", body)
        cycle.transport.write(b"".join(parts))
        cycle.response_complete = True
        cycle.message_event.set()
        if not cycle.keep_alive:
            cycle.transport.close()
        cycle.on_response()

    def _default_head(self) -> bytes:
        """The server's default headers (``date``), serialized once per change (each second)."""
        defaults = self.server_state.default_headers
        cache = self.default_head_cache
        if cache[0] is not defaults:
            cache[0] = defaults
            cache[1] = b"".join(b"%s: %s\r\n" % (name, value) for name, value in defaults)
        head: bytes = cache[1]
        return head


def guarded_protocol(limits: ServerLimits) -> type[GuardedProtocol]:
    """The protocol class for one server: uvicorn's ``Config(http=...)`` takes a class."""
    over_capacity = ThrottledWarning(
        _logger,
        "exposure.server.connection_limit",
        f"connections over the cap of {limits.connection_cap} were refused with 503",
    )
    return type(
        "GuardedHttpToolsProtocol",
        (GuardedProtocol,),
        {
            "limits": limits,
            "connection_cap": limits.connection_cap,
            "over_capacity": over_capacity,
            "default_head_cache": [None, b""],
        },
    )


class HeadWatchdog:
    """Expires overdue request heads and bodies; one timer for the whole server."""

    def __init__(self, state: ServerState, limits: ServerLimits) -> None:
        self._state = state
        self._timeout = limits.header_timeout
        self._body_timeout = limits.body_timeout
        # Checked a few times per timeout: a head is cut between 1x and 1.25x the timeout.
        shortest = min(limits.header_timeout, limits.body_timeout)
        self._interval = min(1.0, max(0.05, shortest / 4))
        self._timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._interval, self._sweep, loop)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        now = loop.time()
        head_overdue, body_overdue = now - self._timeout, now - self._body_timeout
        for connection in list(self._state.connections):
            if not isinstance(connection, GuardedProtocol):
                continue
            head = connection.head_since
            if head is not None and head <= head_overdue:
                connection.expire()
                continue
            body = connection.body_since
            if body is not None and body <= body_overdue:
                connection.expire_body()
        self._timer = loop.call_later(self._interval, self._sweep, loop)
