"""Runner's response envelopes, byte for byte, and the one way responses leave the app.

Success ``{"ok":true,"result":<tree>}``; failure ``{"ok":false,"error":{"message","code",...}}``
with the same key order and compact separators Runner 5.5 writes.
"""

from __future__ import annotations

import logging
from typing import Any

from runner_gen.runtime import serializer
from runner_gen.runtime.errors import Rejection, RunnerError
from runner_gen.runtime.exposure.asgi import Message
from runner_gen.runtime.exposure.errors import ExposureError

_logger = logging.getLogger("runner_gen.exposure")

Headers = tuple[tuple[bytes, bytes], ...]

_SECURITY_HEADERS: Headers = (
    (b"content-type", b"application/json; charset=utf-8"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
)
_CLOSE = ((b"connection", b"close"),)

OK_WITHOUT_RESULT = b'{"ok":true}'
_OK_PREFIX = b'{"ok":true,"result":'


def success_body(result: object) -> bytes:
    """The success envelope around ``result``; SerializerError when it cannot be written."""
    return _OK_PREFIX + serializer.dumps(result) + b"}"


def refusal_body(error: ExposureError) -> bytes:
    """The envelope of one of the exposure's own refusals."""
    fields: dict[str, Any] = {"message": error.message, "code": error.code}
    if error.details is not None:
        fields["details"] = error.details
    return serializer.dumps({"ok": False, "error": fields})


def public_error_status(error: RunnerError) -> int:
    """The status of a declared typed error: its ``http_code`` when that is an error status.

    Runner would send any 100-599 code; a 1xx-3xx status on an error would make proxies and
    clients treat it as something else, so those become 500 (``httpCode`` still tells).
    """
    return error.http_code if 400 <= error.http_code <= 599 else 500


def public_error_body(error: RunnerError) -> bytes:
    """A declared typed error (or a built-in rejection) as Runner 5.5 sends it: message, code,
    id, data, httpCode.

    Runner keeps ``code`` at INTERNAL_ERROR for typed errors, its own middleware errors included;
    clients tell them apart by ``id``. ``httpCode`` is left out, as Runner does, when the typed
    error declared none (``http_code_declared``) or when it is outside 100-599. A rejection
    sends its ``public_message``, which leaves out what only operators need.
    """
    message = error.public_message if isinstance(error, Rejection) else error.message
    fields: dict[str, Any] = {"message": message, "code": "INTERNAL_ERROR", "id": error.id}
    if error.data is not None:
        fields["data"] = error.data
    if error.http_code_declared and 100 <= error.http_code <= 599:
        fields["httpCode"] = error.http_code
    try:
        return serializer.dumps({"ok": False, "error": fields})
    except serializer.SerializerError:
        # The error itself is public; data that cannot travel must not turn it into a 500.
        _logger.warning("exposure.error.data_not_serializable", extra={"error_id": error.id})
        del fields["data"]
        return serializer.dumps({"ok": False, "error": fields})


INTERNAL_ERROR_BODY = b'{"ok":false,"error":{"message":"Internal Error","code":"INTERNAL_ERROR"}}'


def fixed_headers(cors_allow_origin: str | None) -> Headers:
    """The headers every JSON response carries, decided once per app."""
    if cors_allow_origin is None:
        return _SECURITY_HEADERS
    return (*_SECURITY_HEADERS, (b"access-control-allow-origin", cors_allow_origin.encode()))


def preflight_messages(
    cors_allow_origin: str, requested_headers: bytes | None
) -> tuple[Message, Message]:
    """Runner's answer to a CORS preflight: 204, POST allowed, the requested headers echoed."""
    headers = [
        (b"access-control-allow-origin", cors_allow_origin.encode()),
        (b"access-control-allow-methods", b"POST, OPTIONS"),
        (b"content-length", b"0"),
    ]
    if requested_headers:
        headers.append((b"access-control-allow-headers", requested_headers))
    return (
        {"type": "http.response.start", "status": 204, "headers": headers},
        {"type": "http.response.body", "body": b""},
    )


def rejection_headers(rejection: Rejection) -> Headers:
    """``Retry-After`` (whole seconds) when the rejection knows when to come back."""
    retry_after = rejection.retry_after_header()
    return () if retry_after is None else ((b"retry-after", retry_after),)


def response_messages(
    status: int,
    body: bytes,
    request_id: bytes,
    close: bool,
    fixed: Headers = _SECURITY_HEADERS,
    extra: Headers = (),
) -> tuple[Message, Message]:
    """The two ASGI messages of a complete JSON response, with the headers every exposure
    response carries (``close`` asks the server to drop the connection afterwards)."""
    headers = [
        *fixed,
        *extra,
        (b"content-length", b"%d" % len(body)),
        (b"x-runner-request-id", request_id),
    ]
    if close:
        headers.extend(_CLOSE)
    return (
        {"type": "http.response.start", "status": status, "headers": headers},
        {"type": "http.response.body", "body": body},
    )
