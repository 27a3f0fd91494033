"""HTTP exposure: Runner 5.x's tunnel protocol as a plain ASGI app, served by uvicorn."""

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
from runner_gen.runtime.exposure.routes import EventRoute, TaskRoute, identity
from runner_gen.runtime.exposure.server import RunningExposure, serve_exposure

__all__ = [
    "DEFAULT_BODY_LIMIT",
    "AuthNotConfiguredError",
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
    "NotFoundError",
    "PayloadTooLargeError",
    "RequestTimeoutError",
    "RunningExposure",
    "TaskRoute",
    "UnauthorizedError",
    "UnavailableError",
    "identity",
    "serve_exposure",
]
