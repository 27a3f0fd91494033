"""What a remote call can fail with: the wire itself, or the remote side saying no."""

from __future__ import annotations

from typing import Any

from runner_gen.runtime.errors import RunnerError


class TransportError(RunnerError):
    """No usable answer arrived: connection refused, timeout, or a body that is not an envelope.

    ``code`` is Runner's client code where one exists (``HTTP_ERROR`` for a non-2xx response
    without an envelope, ``INVALID_RESPONSE`` for a 2xx one) and ``CONNECTION_ERROR``,
    ``TIMEOUT`` or ``CLOSED`` for failures before any response. ``status`` is the HTTP status
    when a response arrived, ``request_id`` the server's ``x-runner-request-id`` if it sent one.
    """

    id = "runner.errors.tunnel_transport"
    http_code = 502

    def __init__(
        self,
        code: str,
        message: str,
        *,
        url: str,
        status: int | None = None,
        body_preview: bytes = b"",
        request_id: str | None = None,
    ) -> None:
        super().__init__(f"{message} [{code}] ({url})")
        self.code = code
        self.url = url
        self.status = status
        self.body_preview = body_preview
        self.request_id = request_id


class RemoteError(RunnerError):
    """The server answered with an ``{"ok": false}`` envelope (Runner's ``TunnelError``).

    ``code`` is the envelope's code (``UNAUTHORIZED``, ``FORBIDDEN``, ``INTERNAL_ERROR``...),
    ``status`` the HTTP status, ``error_id`` and ``data`` the typed error the server declared, if
    any, ``request_id`` the server's ``x-runner-request-id`` and ``retry_after`` its
    ``Retry-After`` in seconds. (Not ``http_code`` and ``id``: those are this class's own
    RunnerError identity.) Map ``error_id`` to your own exception with the transport's
    ``errors`` argument; the runtime's built-in rejections are rebuilt without it.
    """

    id = "runner.errors.tunnel_remote"
    http_code = 502

    def __init__(
        self,
        code: str,
        message: str,
        status: int,
        error_id: str | None = None,
        data: Any = None,
        details: Any = None,
        *,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{message} [{code}, HTTP {status}]", data=data)
        self.retry_after = retry_after
        self.message = message
        self.code = code
        self.status = status
        self.error_id = error_id
        self.details = details
        self.request_id = request_id
