"""A generated app as the ASGI lifespan of a host app (FastAPI, Starlette, any ASGI framework
that takes a lifespan context manager).

    runner = Lifespan(start)                     # start: the generated ``start``
    api = FastAPI(lifespan=runner)               # or Starlette(..., lifespan=runner)

On startup the server enters the lifespan: ``start()`` runs, and if it raises, the framework
answers ``lifespan.startup.failed`` and the server refuses to serve. On shutdown, after the
server has finished the requests in flight, the app is disposed. Handlers reach the started app
through the request (``runner.of(request)``, typed as the generated ``App``): it travels in the
lifespan state, which the server copies into every request's scope.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Generic, Protocol, TypeVar

from runner_gen.runtime.exposure.asgi import Receive, Scope, Send
from runner_gen.runtime.exposure.mount import MountedExposure

#: The lifespan state key the started app is stored under (``request.state.runner``).
DEFAULT_STATE_KEY = "runner"


class StartedApp(Protocol):
    """What the lifespan needs of a generated ``App``: a way to dispose it."""

    async def dispose(self) -> None: ...


class HasScope(Protocol):
    """A request or websocket of any framework that exposes its ASGI scope."""

    @property
    def scope(self) -> Mapping[str, Any]: ...


AppT = TypeVar("AppT", bound=StartedApp)


class Lifespan(Generic[AppT]):
    """Start a generated app when the host app starts, dispose it when the host stops.

    One ``Lifespan`` per host app: entering it again while the app it started is running
    raises, so two host apps never share (and dispose) one app by accident.
    """

    def __init__(
        self, start: Callable[[], Awaitable[AppT]], *, state_key: str = DEFAULT_STATE_KEY
    ) -> None:
        self._start = start
        self.state_key = state_key
        self._app: AppT | None = None

    def __call__(self, host: object) -> AbstractAsyncContextManager[Mapping[str, Any]]:
        """The lifespan context manager the framework enters (``host`` is the framework's app)."""
        return self._running()

    @asynccontextmanager
    async def _running(self) -> AsyncIterator[Mapping[str, Any]]:
        if self._app is not None:
            raise RuntimeError(
                "This Lifespan's app is already running: give each host app its own Lifespan"
            )
        app = await self._start()  # a failure here is the host's startup failure
        self._app = app
        try:
            yield {self.state_key: app}
        finally:
            self._app = None
            await app.dispose()

    @property
    def app(self) -> AppT:
        """The started app, for code outside a request (background jobs, CLI commands)."""
        if self._app is None:
            raise RuntimeError("The app is not running: the host app's lifespan has not started")
        return self._app

    def of(self, request: HasScope) -> AppT:
        """The started app of the host app serving ``request`` (a Starlette/FastAPI ``Request``,
        ``WebSocket``, or anything with an ASGI ``scope``)."""
        return self._in_scope(request.scope)

    def mount(
        self, select: Callable[[AppT], MountedExposure]
    ) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
        """An ASGI app to mount at a path now, serving the mounted exposure ``select`` picks
        from the app once it is started: ``Mount("/rpc", app=runner.mount(lambda app:
        app.resources.exposure))``."""

        async def exposure(scope: Scope, receive: Receive, send: Send) -> None:
            await select(self._in_scope(scope)).asgi(scope, receive, send)

        return exposure

    def _in_scope(self, scope: Mapping[str, Any]) -> AppT:
        state = scope.get("state")
        app = None if state is None else state.get(self.state_key)
        if app is None:
            raise RuntimeError(
                f"No started app under {self.state_key!r} in this request's state: pass this"
                " Lifespan as the host app's lifespan, and serve it with a server that runs the"
                " lifespan protocol with state (uvicorn, hypercorn, runner_gen.asgi.serve_app)"
            )
        started: AppT = app
        return started
