"""Serving the API with uvicorn inside the app's event loop, and stopping it gracefully.

Stop order: close the listening socket (new connections are refused from then on), answer 503
to requests arriving on kept-alive connections, let in-flight requests finish within the drain
timeout, cancel what is left, then let uvicorn close the connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Generator
from typing import Any, cast

import uvicorn

from examples.http_api.router import ApiApp
from runner_gen.runtime.exposure.drain import drain


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its signal handlers: the app's `main()` owns SIGINT/SIGTERM and
    disposes the app, which stops this server."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.listening = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.listening.set()


class HttpServer:
    """A listening API server: its bound address, and `stop()`."""

    def __init__(
        self, app: ApiApp, server: _EmbeddedServer, serving: asyncio.Task[None], host: str
    ) -> None:
        self._app = app
        self._server = server
        self._serving = serving
        self.host = host
        self.port: int = server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        #: How many requests the last stop() had to cancel after the drain timeout.
        self.cancelled_on_stop = 0

    @property
    def in_flight(self) -> int:
        """Requests being handled right now."""
        return len(self._server.server_state.tasks)

    async def stop(self, drain_timeout_s: float) -> None:
        for listener in self._server.servers:
            listener.close()
        self._app.stopping = True
        self.cancelled_on_stop = await drain(self._server.server_state.tasks, drain_timeout_s)
        self._server.should_exit = True
        await self._serving


async def serve(app: ApiApp, host: str, port: int) -> HttpServer:
    """Listen on `host:port` (0: a free port) and return once connections are accepted.

    A busy port raises `OSError` here: we bind the socket ourselves because uvicorn reports a
    failed bind with `sys.exit`, which would escape the event loop.
    """
    listener = _listen(host, port)
    server = _EmbeddedServer(
        uvicorn.Config(
            cast("Any", app),  # uvicorn's ASGI type wants its own protocol classes
            host=host,
            port=port,
            lifespan="off",
            ws="none",
            log_config=None,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=1,  # after our drain: only bounds the connection close-out
        )
    )
    serving = asyncio.create_task(server.serve([listener]), name="examples.http_api.server")
    await server.listening.wait()
    return HttpServer(app, server, serving, host)


def _listen(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP so asyncio sets TCP_NODELAY on accepted sockets (no 40 ms delayed-ACK stalls).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    return sock
