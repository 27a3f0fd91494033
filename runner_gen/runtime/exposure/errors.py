"""The refusals an exposure answers with, each carrying Runner's wire ``code`` and HTTP status.

These never leave the pipeline as exceptions: the app turns them into the error envelope
``{"ok": false, "error": {"code": ..., "message": ...}}`` with the codes Runner 5.5 uses.
"""

from __future__ import annotations

from typing import Any, ClassVar

from runner_gen.runtime.errors import RunnerError


class ExposureError(RunnerError):
    """A request the exposure refuses; ``code`` is the envelope's code."""

    id = "runner.errors.exposure"
    code: ClassVar[str] = "INTERNAL_ERROR"
    default_message: ClassVar[str] = "Internal Error"

    def __init__(self, message: str | None = None, *, details: Any = None) -> None:
        super().__init__(message if message is not None else self.default_message)
        self.details = details


class BadRequestError(ExposureError):
    """The request's framing is ambiguous (both Content-Length and chunked encoding)."""

    id = "runner.errors.exposure.bad_request"
    http_code = 400
    code = "BAD_REQUEST"
    default_message = "Bad Request"


class InvalidJsonError(ExposureError):
    id = "runner.errors.exposure.invalid_json"
    http_code = 400
    code = "INVALID_JSON"
    default_message = "Invalid JSON body"


class InvalidInputError(ExposureError):
    """The body parsed, but the task's input type rejected it; ``details`` lists why."""

    id = "runner.errors.exposure.invalid_input"
    http_code = 400
    code = "INVALID_INPUT"
    default_message = "Invalid input"


class UnauthorizedError(ExposureError):
    id = "runner.errors.exposure.unauthorized"
    http_code = 401
    code = "UNAUTHORIZED"
    default_message = "Unauthorized"


class ForbiddenError(ExposureError):
    id = "runner.errors.exposure.forbidden"
    http_code = 403
    code = "FORBIDDEN"
    default_message = "Forbidden"


class NotFoundError(ExposureError):
    id = "runner.errors.exposure.not_found"
    http_code = 404
    code = "NOT_FOUND"
    default_message = "Not Found"


class MethodNotAllowedError(ExposureError):
    id = "runner.errors.exposure.method_not_allowed"
    http_code = 405
    code = "METHOD_NOT_ALLOWED"
    default_message = "Method Not Allowed"


class RequestTimeoutError(ExposureError):
    """The body did not arrive within ``ExposureConfig.body_timeout``."""

    id = "runner.errors.exposure.request_timeout"
    http_code = 408
    code = "REQUEST_TIMEOUT"
    default_message = "Request body not received in time"


class PayloadTooLargeError(ExposureError):
    id = "runner.errors.exposure.payload_too_large"
    http_code = 413
    code = "PAYLOAD_TOO_LARGE"
    default_message = "Payload too large"


class AuthNotConfiguredError(ExposureError):
    """Neither tokens nor a verifier, and anonymous access not allowed: fail closed, as Runner."""

    id = "runner.errors.exposure.auth_not_configured"
    http_code = 500
    code = "AUTH_NOT_CONFIGURED"
    default_message = "Authentication not configured."


class ParallelEventReturnError(ExposureError):
    """``returnPayload`` asked of an event that cannot return one (Runner: a parallel event)."""

    id = "runner.errors.exposure.parallel_event_return_unsupported"
    http_code = 400
    code = "PARALLEL_EVENT_RETURN_UNSUPPORTED"


class UnavailableError(ExposureError):
    """The exposure is stopping: new requests are refused, stragglers past the drain are cut."""

    id = "runner.errors.exposure.unavailable"
    http_code = 503
    code = "UNAVAILABLE"
    default_message = "Server is shutting down"


class Answered(Exception):
    """A failure already turned into its response (a rejection's status, envelope and headers),
    raised from deep in the pipeline to the one place that sends responses."""

    def __init__(self, status: int, body: bytes, headers: tuple[tuple[bytes, bytes], ...]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers


class ExposureStartError(RunnerError):
    """The server could not start listening (address in use, bad host...)."""

    id = "runner.errors.exposure.start"
