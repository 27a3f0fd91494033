"""The blocking twin of AsyncTransport, over httpx.Client, for scripts and sync stubs."""

from __future__ import annotations

from types import TracebackType
from typing import Any

import httpx

from runner_gen.runtime.client.endpoints import Endpoints, event_body, task_body
from runner_gen.runtime.client.envelope import (
    DiscoveryResult,
    ErrorFactories,
    read_discovery,
    read_result,
)
from runner_gen.runtime.client.failures import closed_error, transport_error
from runner_gen.runtime.serializer import UNDEFINED
from runner_gen.runtime.trace_context import HOOKS

_NO_ERRORS: ErrorFactories = {}


class SyncTransport:
    """Blocking: calls a Runner 5.x ``nodeExposure`` or a runner-gen exposure at ``base_url``.

    ``base_url`` includes the base path (``http://127.0.0.1:7070/__runner``). Pass ``http`` to
    share a client (it is then yours to close); otherwise the transport owns a keep-alive client
    and closes it in ``close``. Failures are RemoteError / TransportError / SerializerError (or
    what ``errors`` maps a remote error id to); httpx exceptions never escape.
    """

    __slots__ = ("_endpoints", "_errors", "_http", "_owns_http", "_per_request")

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        header: str = "x-runner-token",
        timeout: float = 30.0,
        http: httpx.Client | None = None,
        errors: ErrorFactories = _NO_ERRORS,
    ) -> None:
        self._endpoints = Endpoints.of(base_url, token, header)
        self._errors = errors
        self._owns_http = http is None
        if http is None:
            # Our own client carries headers and timeout, so a call merges nothing per request.
            self._http = httpx.Client(timeout=timeout, headers=self._endpoints.headers)
            self._per_request: dict[str, Any] = {}
        else:
            self._http = http
            self._per_request = {
                "headers": self._endpoints.headers,
                "timeout": httpx.Timeout(timeout),
            }

    def task(self, id: str, input: object = UNDEFINED) -> object:
        """Run task ``id`` remotely and return its deserialized result."""
        url = self._endpoints.task_url(id)
        response = self._send("POST", url, task_body(input))
        return read_result(response, url, self._errors)

    def event(self, id: str, payload: object = UNDEFINED) -> None:
        """Emit event ``id`` remotely; returns once the server has run its hooks."""
        url = self._endpoints.event_url(id)
        response = self._send("POST", url, event_body(payload, return_payload=False))
        read_result(response, url, self._errors)

    def event_with_result(self, id: str, payload: object = UNDEFINED) -> object:
        """Emit event ``id`` remotely and return the payload as the hooks left it."""
        url = self._endpoints.event_url(id)
        response = self._send("POST", url, event_body(payload, return_payload=True))
        return read_result(response, url, self._errors)

    def discovery(self) -> DiscoveryResult:
        """The task and event ids the server exposes."""
        url = self._endpoints.discovery
        response = self._send("GET", url, None)
        return read_discovery(response, url, self._errors)

    def close(self) -> None:
        """Close the owned HTTP client (a shared one is left open)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> SyncTransport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _send(self, method: str, url: str, body: bytes | None) -> httpx.Response:
        if HOOKS.enabled:
            # A CLIENT span per call; its W3C headers ride along with ours.
            with HOOKS.client_span(f"{method} {url.rsplit('/', 1)[-1]}") as trace_headers:
                options = dict(self._per_request)
                options["headers"] = {**dict(options.get("headers", {})), **trace_headers}
                return self._request(method, url, body, options)
        return self._request(method, url, body, self._per_request)

    def _request(
        self, method: str, url: str, body: bytes | None, options: dict[str, Any]
    ) -> httpx.Response:
        try:
            return self._http.request(method, url, content=body, **options)
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as error:
            raise transport_error(error, url) from error
        except RuntimeError as error:
            if self._http.is_closed:
                raise closed_error(url) from error
            raise
