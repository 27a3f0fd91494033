"""HTTP exposure: Runner 5.x's tunnel protocol as a plain ASGI app, served by uvicorn.

What generated ``exposure.py`` does with it::

    config = ExposureConfig(tokens=(token,), public_errors=(OutOfStock,))
    app = ExposureApp(
        config,
        tasks={"app.tasks.add": TaskRoute("app.tasks.add", tasks.add, decode_input=..., ...)},
        events={"app.events.noted": EventRoute("app.events.noted", events.noted.emit)},
    )
    running = await serve_exposure(app, config)  # listening when this returns
    ...
    await running.stop()  # refuse new connections, drain within config.drain_budget

The ``tasks``/``events`` mappings are the allow-list: anything else is 403, like Runner.
``ExposureApp`` is a plain ASGI app; only ``serve_exposure`` needs uvicorn (the ``serve`` extra),
so it is imported when first used.
"""

from typing import TYPE_CHECKING

from runner_gen.runtime.exposure.app import ExposureApp
from runner_gen.runtime.exposure.config import DEFAULT_BODY_LIMIT, ExposureConfig
from runner_gen.runtime.exposure.errors import (
    AuthNotConfiguredError,
    BadRequestError,
    ExposureError,
    ExposureStartError,
    ForbiddenError,
    InvalidInputError,
    InvalidJsonError,
    MethodNotAllowedError,
    NotFoundError,
    PayloadTooLargeError,
    RequestTimeoutError,
    UnauthorizedError,
    UnavailableError,
)
from runner_gen.runtime.exposure.limits import ServerLimits
from runner_gen.runtime.exposure.mount import MountedExposure
from runner_gen.runtime.exposure.principal import AuthRequest, PrincipalAuth
from runner_gen.runtime.exposure.routes import EventRoute, TaskRoute, identity

if TYPE_CHECKING:
    from runner_gen.runtime.exposure.server import (
        RunningExposure,
        RunningServer,
        serve_asgi,
        serve_exposure,
    )

__all__ = [
    "DEFAULT_BODY_LIMIT",
    "AuthNotConfiguredError",
    "AuthRequest",
    "BadRequestError",
    "EventRoute",
    "ExposureApp",
    "ExposureConfig",
    "ExposureError",
    "ExposureStartError",
    "ForbiddenError",
    "InvalidInputError",
    "InvalidJsonError",
    "MethodNotAllowedError",
    "MountedExposure",
    "NotFoundError",
    "PayloadTooLargeError",
    "PrincipalAuth",
    "RequestTimeoutError",
    "RunningExposure",
    "RunningServer",
    "ServerLimits",
    "TaskRoute",
    "UnauthorizedError",
    "UnavailableError",
    "identity",
    "serve_asgi",
    "serve_exposure",
]


def __getattr__(name: str) -> object:
    if name in ("RunningExposure", "RunningServer", "serve_asgi", "serve_exposure"):
        from runner_gen.runtime.exposure import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
