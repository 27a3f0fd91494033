"""Reading Runner's response envelopes; shared by the async and sync transports (no I/O here)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias, TypeGuard

from runner_gen.runtime.client.errors import RemoteError, TransportError
from runner_gen.runtime.rejections import BUILTIN_REJECTIONS
from runner_gen.runtime.serializer import UNDEFINED, SerializerError, loads

#: Error id (as sent by the server) -> factory building the exception to raise instead.
ErrorFactories: TypeAlias = Mapping[str, Callable[[RemoteError], BaseException]]

_PREVIEW_BYTES = 512
REQUEST_ID_HEADER = "x-runner-request-id"


class Answer(Protocol):
    """What we read of an HTTP response (``httpx.Response`` is one)."""

    @property
    def status_code(self) -> int: ...

    @property
    def content(self) -> bytes: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


@dataclass(frozen=True, slots=True)
class DiscoveryResult:
    """The ids a server exposes, from ``GET {base}/discovery``."""

    enabled: bool
    tasks: tuple[str, ...]
    events: tuple[str, ...]


def read_result(answer: Answer, url: str, errors: ErrorFactories) -> object:
    """The ``result`` of an ok envelope; raises RemoteError (or a mapped error) or TransportError.

    A missing result, or JS ``undefined`` at the top, is None: a task without a return value.
    Errors carry the server's ``x-runner-request-id``, to find the request in its logs.
    """
    envelope = _read_envelope(answer, url)
    if envelope["ok"] is True:
        result = envelope.get("result")
        return None if result is UNDEFINED else result
    raise _remote_error(envelope.get("error"), answer, errors)


def read_discovery(answer: Answer, url: str, errors: ErrorFactories) -> DiscoveryResult:
    result = read_result(answer, url, errors)
    allow_list = result.get("allowList") if isinstance(result, dict) else None
    if isinstance(allow_list, dict):
        enabled = allow_list.get("enabled")
        tasks = allow_list.get("tasks")
        events = allow_list.get("events")
        if isinstance(enabled, bool) and _is_str_list(tasks) and _is_str_list(events):
            return DiscoveryResult(enabled, tuple(tasks), tuple(events))
    raise _not_an_envelope(
        "INVALID_RESPONSE", "Discovery answer has no valid allowList", answer, url
    )


def _is_str_list(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _read_envelope(answer: Answer, url: str) -> dict[str, Any]:
    status = answer.status_code
    content = answer.content
    # Runner's client: HTTP_ERROR when a failed response has no envelope, INVALID_RESPONSE when
    # a successful one has none.
    code = "INVALID_RESPONSE" if 200 <= status < 300 else "HTTP_ERROR"
    if not content:
        raise _not_an_envelope(code, f"Empty response (HTTP {status})", answer, url)
    try:
        envelope = loads(content)
    except SerializerError as error:
        message = f"Response is not a Runner envelope (HTTP {status}): {error.message}"
        raise _not_an_envelope(code, message, answer, url) from None
    if isinstance(envelope, dict) and type(envelope.get("ok")) is bool:
        return envelope
    raise _not_an_envelope(code, f"Response is not a Runner envelope (HTTP {status})", answer, url)


def _not_an_envelope(code: str, message: str, answer: Answer, url: str) -> TransportError:
    return TransportError(
        code,
        message,
        url=url,
        status=answer.status_code,
        body_preview=answer.content[:_PREVIEW_BYTES],
        request_id=answer.headers.get(REQUEST_ID_HEADER),
    )


def retry_after_seconds(header: str | None) -> float | None:
    """``Retry-After`` as seconds when it is delay-seconds; None when absent or an HTTP date
    (a date needs a clock both sides agree on; the rejection's ``data`` is more precise)."""
    if header is None:
        return None
    try:
        seconds = float(header.strip())
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def rebuild_builtin(remote: RemoteError) -> BaseException | None:
    """The runtime's own rejection class for ``remote.error_id``, or None when it is not one."""
    rejection = BUILTIN_REJECTIONS.get(remote.error_id or "")
    if rejection is None:
        return None
    return rejection.from_wire(remote.message, remote.data, remote.retry_after)


def _remote_error(error: object, answer: Answer, errors: ErrorFactories) -> BaseException:
    status = answer.status_code
    request_id = answer.headers.get(REQUEST_ID_HEADER)
    retry_after = retry_after_seconds(answer.headers.get("retry-after"))
    if isinstance(error, dict):
        code = error.get("code")
        message = error.get("message")
        error_id = error.get("id")
        remote = RemoteError(
            code if isinstance(code, str) else "UNKNOWN",
            message if isinstance(message, str) and message else "Remote error",
            status,
            error_id if isinstance(error_id, str) else None,
            error.get("data"),
            error.get("details"),
            request_id=request_id,
            retry_after=retry_after,
        )
    else:
        message = error if isinstance(error, str) and error else "Remote error"
        remote = RemoteError(
            "UNKNOWN", message, status, request_id=request_id, retry_after=retry_after
        )
    if remote.error_id is None:
        return remote
    factory = errors.get(remote.error_id)
    typed = factory(remote) if factory is not None else rebuild_builtin(remote)
    if typed is None:
        return remote
    typed.__cause__ = remote
    return typed
