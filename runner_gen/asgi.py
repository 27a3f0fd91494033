"""Adopting runner-gen inside an existing ASGI app (FastAPI, Starlette...): see docs/asgi.md.

    from runner_gen.asgi import Lifespan, serve_app

    runner = Lifespan(start)                                   # the generated start()
    api = Starlette(routes=[...], lifespan=runner)             # or FastAPI(lifespan=runner)
    api.mount("/rpc", runner_exposure)                         # a mount=True exposure's .asgi

``serve_app`` (the ``serve`` extra: uvicorn) serves the host app with runner-gen's hardened
server and runs its lifespan: startup before listening, shutdown after the drain. Any server
that runs the lifespan protocol with state (uvicorn, hypercorn) works too. FastAPI's typed
dependencies are in ``runner_gen.fastapi``.
"""

from typing import TYPE_CHECKING

from runner_gen.runtime.exposure.mount import MountedExposure
from runner_gen.runtime.lifespan import DEFAULT_STATE_KEY, HasScope, Lifespan, StartedApp

if TYPE_CHECKING:
    from runner_gen.runtime.hosting import (
        HostedServer,
        LifespanShutdownError,
        LifespanStartupError,
        serve_app,
    )

__all__ = [
    "DEFAULT_STATE_KEY",
    "HasScope",
    "HostedServer",
    "Lifespan",
    "LifespanShutdownError",
    "LifespanStartupError",
    "MountedExposure",
    "StartedApp",
    "serve_app",
]

_SERVING = ("HostedServer", "LifespanShutdownError", "LifespanStartupError", "serve_app")


def __getattr__(name: str) -> object:
    # Serving needs uvicorn (the ``serve`` extra); mounting and the lifespan do not.
    if name in _SERVING:
        from runner_gen.runtime import hosting

        return getattr(hosting, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
