"""Reading Runner's response envelopes; shared by the async and sync transports (no I/O here)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeGuard

from runner_gen.runtime.client.errors import RemoteError, TransportError
from runner_gen.runtime.serializer import UNDEFINED, SerializerError, loads

#: Error id (as sent by the server) -> factory building the exception to raise instead.
ErrorFactories: TypeAlias = Mapping[str, Callable[[RemoteError], BaseException]]

_PREVIEW_BYTES = 512


@dataclass(frozen=True, slots=True)
class DiscoveryResult:
    """The ids a server exposes, from ``GET {base}/discovery``."""

    enabled: bool
    tasks: tuple[str, ...]
    events: tuple[str, ...]


def read_result(status: int, content: bytes, url: str, errors: ErrorFactories) -> object:
    """The ``result`` of an ok envelope; raises RemoteError (or a mapped error) or TransportError.

    A missing result, or JS ``undefined`` at the top, is None: a task without a return value.
    """
    envelope = _read_envelope(status, content, url)
    if envelope["ok"] is True:
        result = envelope.get("result")
        return None if result is UNDEFINED else result
    raise _remote_error(envelope.get("error"), status, errors)


def read_discovery(
    status: int, content: bytes, url: str, errors: ErrorFactories
) -> DiscoveryResult:
    result = read_result(status, content, url, errors)
    allow_list = result.get("allowList") if isinstance(result, dict) else None
    if isinstance(allow_list, dict):
        enabled = allow_list.get("enabled")
        tasks = allow_list.get("tasks")
        events = allow_list.get("events")
        if isinstance(enabled, bool) and _is_str_list(tasks) and _is_str_list(events):
            return DiscoveryResult(enabled, tuple(tasks), tuple(events))
    raise TransportError(
        "INVALID_RESPONSE",
        "Discovery answer has no valid allowList",
        url=url,
        status=status,
        body_preview=content[:_PREVIEW_BYTES],
    )


def _is_str_list(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _read_envelope(status: int, content: bytes, url: str) -> dict[str, Any]:
    succeeded = 200 <= status < 300
    # Runner's client: HTTP_ERROR when a failed response has no envelope, INVALID_RESPONSE when
    # a successful one has none.
    code = "INVALID_RESPONSE" if succeeded else "HTTP_ERROR"
    if not content:
        raise TransportError(code, f"Empty response (HTTP {status})", url=url, status=status)
    try:
        envelope = loads(content)
    except SerializerError as error:
        raise TransportError(
            code,
            f"Response is not a Runner envelope (HTTP {status}): {error.message}",
            url=url,
            status=status,
            body_preview=content[:_PREVIEW_BYTES],
        ) from None
    if isinstance(envelope, dict) and type(envelope.get("ok")) is bool:
        return envelope
    raise TransportError(
        code,
        f"Response is not a Runner envelope (HTTP {status})",
        url=url,
        status=status,
        body_preview=content[:_PREVIEW_BYTES],
    )


def _remote_error(error: object, status: int, errors: ErrorFactories) -> BaseException:
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
        )
    else:
        remote = RemoteError(
            "UNKNOWN", error if isinstance(error, str) and error else "Remote error", status
        )
    factory = errors.get(remote.error_id) if remote.error_id is not None else None
    if factory is None:
        return remote
    typed = factory(remote)
    typed.__cause__ = remote
    return typed
