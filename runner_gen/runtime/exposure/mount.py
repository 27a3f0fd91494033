"""An exposure mounted inside another ASGI app instead of serving a port of its own.

With ``http_exposure(...).with_(mount=True)`` the generated ``start()`` builds the
``ExposureApp`` and wraps it here; the host app mounts ``.asgi`` at a path::

    runner = Lifespan(start)  # runner_gen.asgi: mount now, served once the app has started
    api = Starlette(routes=[Mount("/rpc", app=runner.mount(lambda app: app.resources.exposure))])

The host's server owns the connections, so the server-level guards (header deadline, connection
cap, one-write responses) are the host's; the exposure keeps everything that is per request:
auth, allow-list, body limit and deadline, typed envelopes, the 503 once stopping. ``stop()``
(the app's disposer) still drains: it refuses new requests and waits for the mounted requests in
flight, within the drain budget, before the tasks' resources are disposed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from runner_gen.runtime.exposure.app import ExposureApp
from runner_gen.runtime.exposure.asgi import Receive, Scope, Send
from runner_gen.runtime.exposure.config import ExposureConfig
from runner_gen.runtime.exposure.drain import drain
from runner_gen.runtime.exposure.extensions import WHOLE_RESPONSE

_logger = logging.getLogger("runner_gen.exposure")


class MountedExposure:
    """The value of a mounted exposure resource: ``.asgi`` to mount, ``stop()`` to drain."""

    __slots__ = ("_app", "_requests", "_stopping", "cancelled_on_stop")

    def __init__(self, app: ExposureApp) -> None:
        self._app = app
        # Tracked here (a set insert per request) because no server of ours holds the tasks.
        self._requests: set[asyncio.Task[Any]] = set()
        self._stopping: asyncio.Task[None] | None = None
        #: How many requests the stop had to cancel after the drain budget.
        self.cancelled_on_stop = 0

    @property
    def config(self) -> ExposureConfig:
        return self._app.config

    @property
    def ready(self) -> bool:
        """True until ``stop()`` begins."""
        return self._stopping is None

    @property
    def in_flight(self) -> int:
        """Requests to the mounted exposure being handled right now."""
        return len(self._requests)

    async def asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI app to mount at a path of the host app."""
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        routed = dict(scope)
        # The host's middleware may wrap ``send``: one-write responses would go around it.
        routed.pop(WHOLE_RESPONSE, None)
        routed["path"] = _route_path(scope)
        task = asyncio.current_task()
        assert task is not None, "ASGI servers run every request in a task"
        self._requests.add(task)
        try:
            await self._app(routed, receive, send)
        finally:
            self._requests.discard(task)

    async def stop(self, drain_budget: float | None = None) -> None:
        """Answer 503 to new requests, let those in flight finish within the drain budget (the
        config's by default), then cancel the rest (they answer 503). Safe to call twice."""
        if self._stopping is None:
            budget = self._app.config.drain_budget if drain_budget is None else drain_budget
            self._stopping = asyncio.create_task(self._shutdown(budget))
        await asyncio.shield(self._stopping)

    async def _shutdown(self, budget: float) -> None:
        self._app.stopping = True
        cancelled = await drain(self._requests, budget)
        self.cancelled_on_stop = cancelled
        if cancelled:
            _logger.warning(
                "exposure.drain.exceeded: cancelled %d mounted request(s) after %.1f s",
                cancelled,
                budget,
                extra={"event": "exposure.drain.exceeded", "cancelled": cancelled},
            )


def _route_path(scope: Scope) -> str:
    """The path below the mount point. Starlette's ``Mount`` (and uvicorn's ``--root-path``)
    keep the full path in ``path`` and the mount point in ``root_path``; older hosts strip it."""
    path: str = scope.get("path") or ""
    root: str = scope.get("root_path") or ""
    if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("", "/"):
        return path[len(root) :] or "/"
    return path
