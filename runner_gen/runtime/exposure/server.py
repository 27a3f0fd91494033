"""Serving an ASGI app (the exposure, or any router) with uvicorn inside the caller's event
loop, hardened for the open internet, and stopping it gracefully.

The runtime owns the process: uvicorn installs no signal handlers, runs no lifespan (the
exposure's owner runs the lifecycle) and gets a socket we bound ourselves, so a busy port is a
typed error here instead of uvicorn's ``sys.exit``. uvicorn parses with httptools through
``guard.GuardedProtocol`` (header deadline and size limits, connection cap, cancellation on
disconnect); the socket sheds connections when descriptors run out (``listener.py``); every log
line of the server goes through a redacting ``Logger`` (``runner_gen.runtime.logging.routing``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Generator
from typing import Any, Protocol, cast

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
from runner_gen.runtime.exposure.guard import HeadWatchdog, guarded_protocol
from runner_gen.runtime.exposure.limits import ServerLimits
from runner_gen.runtime.exposure.listener import SheddingSocket, is_accept_exhaustion, listen
from runner_gen.runtime.exposure.probes import ProbeApp
from runner_gen.runtime.logging import Logger
from runner_gen.runtime.logging.redaction import MIN_SECRET_LENGTH
from runner_gen.runtime.logging.routing import route_server_logs

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


class StoppableApp(Protocol):
    """An ASGI app that answers 503 once ``stopping`` is set (both the exposure and plain
    routers served with ``serve_asgi`` do)."""

    stopping: bool

    # Loose on purpose: routers type the ASGI messages their own way.
    def __call__(self, scope: Any, receive: Any, send: Any, /) -> Awaitable[None]: ...


class RunningServer:
    """A listening server: where it is, what it is doing, and how to stop it gracefully."""

    def __init__(
        self,
        app: StoppableApp,
        server: _EmbeddedServer,
        serving: asyncio.Task[None],
        port: int,
        url: str,
        drain_budget: float,
        watchdog: HeadWatchdog | None = None,
    ) -> None:
        self.port = port
        self.url = url
        self._app = app
        self._server = server
        self._serving = serving
        self._drain_budget = drain_budget
        self._watchdog = watchdog
        self._stopping: asyncio.Task[None] | None = None
        #: How many requests the stop had to cancel after the drain budget.
        self.cancelled_on_stop = 0
        #: The admin bind serving the probes, when ``ExposureConfig.admin_port`` is set; it
        #: stops with this server.
        self.admin: RunningServer | None = None

    @property
    def ready(self) -> bool:
        """True while listening and taking requests; False from the moment ``stop()`` begins."""
        return self._stopping is None and not self._serving.done()

    @property
    def in_flight(self) -> int:
        """Requests being handled right now."""
        return len(self._server.server_state.tasks)

    @property
    def connections(self) -> int:
        """Open client connections right now."""
        return len(self._server.server_state.connections)

    async def stop(self, drain_budget: float | None = None) -> None:
        """Stop accepting at once, let in-flight requests finish within the drain budget, then
        cancel the rest (they answer 503). Safe to call more than once."""
        if self._stopping is None:
            for listener in self._server.servers:
                listener.close()  # new connections are refused from this line on
            budget = self._drain_budget if drain_budget is None else drain_budget
            self._stopping = asyncio.create_task(self._shutdown(budget))
        await asyncio.shield(self._stopping)

    async def _shutdown(self, budget: float) -> None:
        self._app.stopping = True
        cancelled = await drain(self._server.server_state.tasks, budget)
        self.cancelled_on_stop = cancelled
        if cancelled:
            _logger.warning(
                "exposure.drain.exceeded: cancelled %d request(s) after %.1f s",
                cancelled,
                budget,
                extra={"event": "exposure.drain.exceeded", "cancelled": cancelled},
            )
        self._server.should_exit = True
        try:
            await self._serving
        finally:
            if self._watchdog is not None:
                self._watchdog.stop()
            if self.admin is not None:
                await self.admin.stop()


#: The exposure's server is a RunningServer; the name says what generated code holds.
RunningExposure = RunningServer


async def serve_exposure(
    app: ExposureApp, config: ExposureConfig, *, logger: Logger | None = None
) -> RunningServer:
    """Start serving ``app`` on ``config.host:config.port`` (0: any free port) in this loop.

    Returns once the socket is listening; ``.port`` is the bound port. Raises
    ExposureStartError when it cannot listen; cancelled while starting, it leaves nothing behind.
    ``logger`` (the app's ``globals.resources.logger``) receives the server's log lines; without
    it a default redacting logger prints them. With ``config.admin_port`` set, the probes are
    served on that bind too (``.admin``), stopped with the exposure.
    """
    running = await serve_asgi(
        app,
        host=config.host,
        port=config.port,
        drain_budget=config.drain_budget,
        path=config.normalized_base_path,
        name="runner_gen.exposure",
        limits=config.server_limits,
        logger=logger,
        secrets=config.tokens,
    )
    if config.admin_port is not None:
        try:
            running.admin = await serve_asgi(
                ProbeApp(app.probe_endpoints),
                host=config.admin_host,
                port=config.admin_port,
                drain_budget=0,
                name="runner_gen.exposure.admin",
                limits=config.server_limits,
                logger=logger,
            )
        except BaseException:
            await running.stop(0)
            raise
    return running


async def serve_asgi(
    app: StoppableApp,
    *,
    host: str,
    port: int,
    drain_budget: float,
    path: str = "",
    name: str = "runner_gen.server",
    limits: ServerLimits | None = None,
    logger: Logger | None = None,
    secrets: tuple[str, ...] = (),
) -> RunningServer:
    """Serve any ASGI app with uvicorn in this event loop, with the exposure's guarantees: no
    signal handlers, no lifespan, a typed error for a busy port, a graceful ``stop()``, the
    connection limits of ``limits`` and every log line redacted."""
    limits = limits if limits is not None else ServerLimits()
    routed = route_server_logs(logger)
    for secret in secrets:
        if len(secret) >= MIN_SECRET_LENGTH:  # shorter ones would scrub ordinary words
            routed.register_secret(secret)
    listener = listen(host, port, _BACKLOG)
    bound: int = listener.getsockname()[1]
    server = _EmbeddedServer(
        uvicorn.Config(
            cast("Any", app),  # uvicorn's ASGI type names its own protocol classes
            host=host,
            port=bound,
            http=guarded_protocol(limits),
            lifespan="off",
            ws="none",
            log_config=None,
            log_level="warning",
            access_log=False,
            server_header=False,
            backlog=_BACKLOG,
            timeout_keep_alive=cast("int", limits.keep_alive_timeout),  # a float works too
            timeout_graceful_shutdown=_UVICORN_CLOSE_BUDGET,
        )
    )
    _filter_accept_exhaustion(asyncio.get_running_loop(), listener)
    serving = asyncio.create_task(server.serve(sockets=[listener]), name=name)
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
    watchdog = HeadWatchdog(server.server_state, limits)
    watchdog.start()
    shown = f"[{host}]" if ":" in host else host
    return RunningServer(
        app, server, serving, bound, f"http://{shown}:{bound}{path}", drain_budget, watchdog
    )


#: Pending connections the kernel queues; also how many asyncio accepts per loop iteration.
_BACKLOG = 2048


def _filter_accept_exhaustion(loop: asyncio.AbstractEventLoop, listener: SheddingSocket) -> None:
    """Turn asyncio's report of an EMFILE accept (a traceback each time) into the listener's
    throttled line; every other report goes to the handler that was installed before."""
    previous = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if is_accept_exhaustion(context):
            listener.exhausted()
        elif previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
