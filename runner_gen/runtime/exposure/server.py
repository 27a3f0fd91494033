"""Serving an ExposureApp with uvicorn inside the caller's event loop, and stopping it gracefully.

The runtime owns the process: uvicorn installs no signal handlers, runs no lifespan (the
exposure's owner runs the lifecycle) and gets a socket we bound ourselves, so a busy port is a
typed error here instead of uvicorn's ``sys.exit``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Generator

try:
    import uvicorn
except ImportError as missing:  # the ``serve`` extra is optional
    raise ImportError(
        "serving an exposure needs uvicorn: pip install 'runner-gen[serve]'"
    ) from missing

from runner_gen.runtime.exposure.app import ExposureApp
from runner_gen.runtime.exposure.config import ExposureConfig
from runner_gen.runtime.exposure.drain import drain
from runner_gen.runtime.exposure.errors import ExposureStartError

_logger = logging.getLogger("runner_gen.exposure")

#: uvicorn's own drain runs after ours has finished or cancelled every request; this only bounds
#: the connection close-out, so a stuck connection cannot hold ``stop()`` forever.
_UVICORN_CLOSE_BUDGET = 1


class _EmbeddedServer(uvicorn.Server):
    """uvicorn that leaves signals alone and says when it is listening."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.listening = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # the runtime's own SIGINT/SIGTERM handling calls RunningExposure.stop()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.listening.set()


class RunningExposure:
    """A listening exposure: where it is, whether it takes requests, and how to stop it."""

    def __init__(
        self,
        app: ExposureApp,
        server: _EmbeddedServer,
        serving: asyncio.Task[None],
        port: int,
        url: str,
        drain_budget: float,
    ) -> None:
        self.port = port
        self.url = url
        self._app = app
        self._server = server
        self._serving = serving
        self._drain_budget = drain_budget
        self._stopping: asyncio.Task[None] | None = None

    @property
    def ready(self) -> bool:
        """True while listening and taking requests; False from the moment ``stop()`` begins."""
        return self._stopping is None and not self._serving.done()

    async def stop(self) -> None:
        """Stop accepting at once, let in-flight requests finish within the drain budget, then
        cancel the rest (they answer 503 UNAVAILABLE). Safe to call more than once."""
        if self._stopping is None:
            for listener in self._server.servers:
                listener.close()  # new connections are refused from this line on
            self._stopping = asyncio.create_task(self._shutdown())
        await asyncio.shield(self._stopping)

    async def _shutdown(self) -> None:
        self._app.stopping = True
        cancelled = await drain(self._server.server_state.tasks, self._drain_budget)
        if cancelled:
            _logger.warning(
                "exposure.drain.exceeded: cancelled %d request(s) after %.1f s",
                cancelled,
                self._drain_budget,
                extra={"event": "exposure.drain.exceeded", "cancelled": cancelled},
            )
        self._server.should_exit = True
        await self._serving


async def serve_exposure(app: ExposureApp, config: ExposureConfig) -> RunningExposure:
    """Start serving ``app`` on ``config.host:config.port`` (0: any free port) in this loop.

    Returns once the socket is listening; ``RunningExposure.port`` is the bound port. Raises
    ExposureStartError when it cannot listen; cancelled while starting, it leaves nothing behind.
    """
    listener = _listen(config.host, config.port)
    port: int = listener.getsockname()[1]
    server = _EmbeddedServer(
        uvicorn.Config(
            app,
            host=config.host,
            port=port,
            lifespan="off",
            ws="none",
            log_config=None,
            log_level="warning",
            access_log=False,
            server_header=False,
            timeout_graceful_shutdown=_UVICORN_CLOSE_BUDGET,
        )
    )
    serving = asyncio.create_task(server.serve(sockets=[listener]), name="runner_gen.exposure")
    listening = asyncio.create_task(server.listening.wait())
    try:
        await asyncio.wait({serving, listening}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        for task in (serving, listening):
            task.cancel()
        await asyncio.wait({serving, listening})
        listener.close()
        raise
    if not listening.done():
        listening.cancel()
        listener.close()
        failure = serving.exception()
        raise ExposureStartError(f"uvicorn stopped before listening: {failure!r}") from failure
    host = f"[{config.host}]" if ":" in config.host else config.host
    url = f"http://{host}:{port}{config.normalized_base_path}"
    return RunningExposure(app, server, serving, port, url, config.drain_budget)


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be IPPROTO_TCP (socket.create_server leaves 0): asyncio only sets TCP_NODELAY
    # on accepted sockets whose proto says TCP, and without it every keep-alive response waits
    # ~40 ms for a delayed ACK (Nagle), capping a connection at ~25 requests/s.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as error:
        sock.close()
        raise ExposureStartError(
            f"Cannot listen on {host}:{port}: {error.strerror or error}",
            remediation="Choose a free port (0 picks one) and an address of this machine.",
        ) from error
    return sock
