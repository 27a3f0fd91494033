"""The exposure as a plain ASGI app: Runner 5.x's tunnel protocol over a static route table.

Handling order, as Runner's ``taskHandler``: route (404) → method (405) → framing (400) → stopping
(503) → auth (401/500) → allow-list (403) → body (413/408/400) → input (400) → call (200, or a
sanitized 500 / a public typed error with its own status).
Everything that can be decided from the route table is decided in ``__init__``; a request costs
one dict lookup, one pass over its headers and the call itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from runner_gen.runtime import serializer
from runner_gen.runtime.context import AsyncContext, Provision
from runner_gen.runtime.errors import HookError, Rejection
from runner_gen.runtime.exposure.asgi import Receive, Scope, Send
from runner_gen.runtime.exposure.auth import Authenticator
from runner_gen.runtime.exposure.body import ClientDisconnected, check_declared_length, read_body
from runner_gen.runtime.exposure.config import ExposureConfig
from runner_gen.runtime.exposure.contexts import ContextHydrator, call_within
from runner_gen.runtime.exposure.deadlines import BodyDeadlines
from runner_gen.runtime.exposure.envelope import (
    INTERNAL_ERROR_BODY,
    OK_WITHOUT_RESULT,
    Headers,
    fixed_headers,
    preflight_messages,
    public_error_body,
    public_error_status,
    refusal_body,
    rejection_headers,
    response_messages,
    success_body,
)
from runner_gen.runtime.exposure.errors import (
    Answered,
    BadRequestError,
    ExposureError,
    ForbiddenError,
    InvalidInputError,
    InvalidJsonError,
    MethodNotAllowedError,
    NotFoundError,
    ParallelEventReturnError,
    RequestTimeoutError,
    UnavailableError,
)
from runner_gen.runtime.exposure.headers import RequestHeaders, request_id_of, scan_headers
from runner_gen.runtime.exposure.probes import Probes
from runner_gen.runtime.exposure.routes import EventRoute, TaskRoute
from runner_gen.runtime.trace_context import HOOKS

_logger = logging.getLogger("runner_gen.exposure")


@dataclass(frozen=True, slots=True)
class _Discovery:
    body: bytes


@dataclass(frozen=True, slots=True)
class _Unexposed:
    """A task or event path whose id is not on the allow-list (or does not exist: same thing)."""

    kind: str  # "Task" | "Event", as in Runner's "Task <id> not exposed"
    id: str


_Endpoint = TaskRoute | EventRoute | _Discovery | _Unexposed


class ExposureApp:
    """ASGI 3 callable serving ``tasks`` and ``events`` under ``config.base_path``."""

    def __init__(
        self,
        config: ExposureConfig,
        tasks: Mapping[str, TaskRoute],
        events: Mapping[str, EventRoute],
        probes: Probes | None = None,
        contexts: Mapping[str, AsyncContext[Any]] | None = None,
    ) -> None:
        self.config = config
        # The async contexts a caller may send in x-runner-context (none unless given).
        self._contexts = ContextHydrator(contexts or {})
        self._probes = probes if probes is not None else Probes()
        self._auth = Authenticator(config)
        if self._auth.fails_closed:
            _logger.warning(
                "exposure.auth.not_configured: no tokens, no verifier and allow_anonymous is "
                "False; every request will fail with AUTH_NOT_CONFIGURED"
            )
        self._limit = config.body_limit
        self._deadlines = BodyDeadlines(config.body_timeout)
        self._public_errors = config.public_errors
        self._cors_allow_origin = config.cors_allow_origin
        self._fixed_headers = fixed_headers(config.cors_allow_origin)
        #: Set when the server begins to stop: new requests get 503 UNAVAILABLE, and requests
        #: cancelled by the drain answer 503 instead of dying silently.
        self.stopping = False

        base = self._base = config.normalized_base_path
        self._task_prefix = base + "/task/"
        self._event_prefix = base + "/event/"
        self._routes: dict[str, _Endpoint] = {}
        for key, task in tasks.items():
            _check_key(key, task.id)
            self._routes[self._task_prefix + key] = task
        for key, event in events.items():
            _check_key(key, event.id)
            self._routes[self._event_prefix + key] = event
        if not config.disable_discovery:
            allow_list = {"enabled": True, "tasks": sorted(tasks), "events": sorted(events)}
            self._routes[base + "/discovery"] = _Discovery(success_body({"allowList": allow_list}))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await _lifespan(receive, send)
            return
        cors_allow_origin = self._cors_allow_origin
        if (
            scope["method"] == "OPTIONS"
            and cors_allow_origin is not None
            and self._is_under_base(scope["path"])
        ):
            await _answer_preflight(scope, send, cors_allow_origin)
            return
        path = scope.get("path")
        if path is not None and self._probes.handles(path):
            await self._probes.answer(scope["method"], path, self.stopping, send)
            return
        headers = scan_headers(scope["headers"], self._auth.token_header)
        request_id = request_id_of(headers.request_id)
        extra: Headers = ()
        try:
            if HOOKS.enabled:
                status, body = await self._respond_traced(scope, receive, headers, request_id)
            else:
                status, body = await self._respond(scope, receive, headers, request_id)
        except ClientDisconnected:
            return  # nobody is left to answer; the task was never called
        except ExposureError as refusal:
            status, body = refusal.http_code, refusal_body(refusal)
        except Answered as answered:
            status, body, extra = answered.status, answered.body, answered.headers
        except Exception as error:
            # A fault in the pipeline itself still gets the envelope, not uvicorn's plain 500.
            try:
                status, body = self._failure(error, "exposure.request.error", "", request_id)
            except Answered as answered:
                status, body, extra = answered.status, answered.body, answered.headers
        start, end = response_messages(
            status, body, request_id, self.stopping, self._fixed_headers, extra
        )
        await send(start)
        await send(end)

    async def _respond_traced(
        self, scope: Scope, receive: Receive, headers: RequestHeaders, request_id: bytes
    ) -> tuple[int, bytes]:
        # A SERVER span continuing the caller's W3C trace; named after the route, never the raw
        # path, so span names cannot grow with what callers send.
        route = self._routes.get(scope["path"])
        name = route.id if isinstance(route, TaskRoute | EventRoute) else "_OTHER"
        with HOOKS.server_span(f"{scope['method']} {name}", scope["headers"]):
            return await self._respond(scope, receive, headers, request_id)

    async def _respond(
        self,
        scope: Scope,
        receive: Receive,
        headers: RequestHeaders,
        request_id: bytes,
    ) -> tuple[int, bytes]:
        path: str = scope["path"]
        endpoint = self._routes.get(path) or self._unexposed(path)
        method: str = scope["method"]
        if isinstance(endpoint, _Discovery):
            if method != "GET":
                raise MethodNotAllowedError()
            if not self._admitted_at_once(headers):
                await self._auth.verify_or_refuse(
                    headers.authorization, headers.ambiguous_credentials
                )
            return 200, endpoint.body
        if method != "POST":
            raise MethodNotAllowedError()
        if headers.chunked and headers.content_length is not None:
            # Two framings a proxy and uvicorn may read differently: request smuggling shape.
            raise BadRequestError("Both Content-Length and Transfer-Encoding are set")
        if not self._admitted_at_once(headers):
            await self._auth.verify_or_refuse(headers.authorization, headers.ambiguous_credentials)
        if isinstance(endpoint, _Unexposed):
            raise ForbiddenError(f"{endpoint.kind} {endpoint.id} not exposed")
        document = await self._read_json(receive, headers)
        provisions = self._contexts.provisions(headers.context)
        if isinstance(endpoint, TaskRoute):
            return await self._run_task(endpoint, document, request_id, provisions)
        return await self._emit_event(endpoint, document, request_id, provisions)

    def _unexposed(self, path: str) -> _Endpoint:
        """Resolve a path that is not spelled exactly as in the route table, as Runner's router
        does: empty segments ignored, the id is the rest of the segments re-joined."""
        base = self._base
        if not self._is_under_base(path):
            raise NotFoundError()
        kind, *id_parts = [segment for segment in path[len(base) :].split("/") if segment] or [""]
        if kind == "discovery":
            discovery = self._routes.get(base + "/discovery")
            if discovery is None:  # disabled
                raise NotFoundError()
            return discovery
        if kind not in ("task", "event") or not id_parts:
            raise NotFoundError()
        definition_id = "/".join(id_parts)
        return self._routes.get(f"{base}/{kind}/{definition_id}") or _Unexposed(
            kind.capitalize(), definition_id
        )

    def _is_under_base(self, path: str) -> bool:
        return path == self._base or path.startswith(self._base + "/")

    def _admitted_at_once(self, headers: RequestHeaders) -> bool:
        """True when no await is needed to admit the request (the common, static-token case)."""
        if self.stopping:
            raise UnavailableError()
        return self._auth.accepts(headers.token, headers.ambiguous_credentials)

    async def _read_json(self, receive: Receive, headers: RequestHeaders) -> object:
        check_declared_length(headers.content_length, self._limit)
        task = asyncio.current_task()
        assert task is not None, "ASGI servers run every request in a task"
        self._deadlines.watch(task)
        try:
            raw = await read_body(receive, self._limit)
        except asyncio.CancelledError:
            if self._deadlines.expired(task):
                task.uncancel()
                raise RequestTimeoutError() from None
            if self.stopping:
                raise _cut_by_stop() from None
            raise
        finally:
            self._deadlines.release(task)
        if not raw:
            return serializer.UNDEFINED  # Runner: an empty body is an undefined input
        try:
            return serializer.loads(raw)
        except serializer.SerializerError:
            raise InvalidJsonError() from None

    async def _run_task(
        self,
        route: TaskRoute,
        document: object,
        request_id: bytes,
        provisions: list[Provision[Any]],
    ) -> tuple[int, bytes]:
        # Runner: a body that is not an object with an "input" key is the input itself.
        raw = document["input"] if type(document) is dict and "input" in document else document
        try:
            value = route.decode_input(raw)
        except ValidationError as invalid:
            raise InvalidInputError(details=_validation_details(invalid)) from None
        except Exception as error:
            return self._failure(error, "exposure.task.error", route.id, request_id)
        try:
            if provisions:
                result = await call_within(provisions, route.call, value)
            else:
                result = await route.call(value)
            return 200, success_body(route.encode_result(result))
        except asyncio.CancelledError:
            if not self.stopping:
                raise
            raise _cut_by_stop() from None
        except Exception as error:
            return self._failure(error, "exposure.task.error", route.id, request_id)

    async def _emit_event(
        self,
        route: EventRoute,
        document: object,
        request_id: bytes,
        provisions: list[Provision[Any]],
    ) -> tuple[int, bytes]:
        # Runner reads ``body?.payload`` and ``body?.returnPayload``: anything else is ignored.
        fields = document if type(document) is dict else {}
        return_payload = bool(fields.get("returnPayload"))
        emit_with_result = route.emit_with_result if return_payload else None
        if return_payload and emit_with_result is None:
            raise ParallelEventReturnError(
                f"Event {route.id} is marked parallel; returning a payload is not supported."
            )
        try:
            value = route.decode_payload(fields.get("payload", serializer.UNDEFINED))
        except ValidationError as invalid:
            raise InvalidInputError(details=_validation_details(invalid)) from None
        except Exception as error:
            return self._failure(error, "exposure.event.error", route.id, request_id)
        try:
            if emit_with_result is None:
                await call_within(provisions, route.emit, value)
                return 200, OK_WITHOUT_RESULT
            payload = await call_within(provisions, emit_with_result, value)
            return 200, success_body(route.encode_payload(payload))
        except asyncio.CancelledError:
            if not self.stopping:
                raise
            raise _cut_by_stop() from None
        except Exception as error:
            return self._failure(error, "exposure.event.error", route.id, request_id)

    def _failure(
        self, error: Exception, event: str, definition_id: str, request_id: bytes
    ) -> tuple[int, bytes]:
        """A task's or event's failure as a response: a rejection raises ``Answered`` (its status,
        envelope and Retry-After; one WARNING line, no traceback); a declared public error, its
        envelope; anything else a bare 500, its traceback logged."""
        if isinstance(error, Rejection):
            raise _rejected(error, event, definition_id, request_id)
        if isinstance(error, HookError) and isinstance(error.cause, self._public_errors):
            # As Runner, which rethrows the listener's own error: a hook's declared error keeps
            # its status. A hook's *rejection* stays a 500: the emitting task's work is done, and
            # a 429/503 would invite the caller to run it again.
            error = error.cause
        if isinstance(error, self._public_errors):
            return public_error_status(error), public_error_body(error)
        # The detail, traceback included, goes to the log only; the client gets the request id.
        _logger.error(
            "%s: %s failed (request %s)",
            event,
            definition_id,
            request_id.decode("ascii"),
            exc_info=error,
            extra={
                "event": event,
                "definition_id": definition_id,
                "request_id": request_id.decode("ascii"),
            },
        )
        return 500, INTERNAL_ERROR_BODY


def _rejected(rejection: Rejection, event: str, definition_id: str, request_id: bytes) -> Answered:
    """Log an expected refusal once, without a traceback, and build its answer."""
    status = public_error_status(rejection)
    rid = request_id.decode("ascii")
    _logger.warning(
        "%s: %s refused with %s (HTTP %d) (request %s)",
        event.replace(".error", ".rejected"),
        definition_id,
        rejection.id,
        status,
        rid,
        extra={
            "event": event.replace(".error", ".rejected"),
            "definition_id": definition_id,
            "request_id": rid,
            "error_id": rejection.id,
            "status": status,
            "retry_after": rejection.retry_after,
        },
    )
    return Answered(status, public_error_body(rejection), rejection_headers(rejection))


def _validation_details(error: ValidationError) -> list[dict[str, Any]]:
    """Where and why the input failed, never the offending values (they may be secrets)."""
    return [
        {"loc": list(item["loc"]), "msg": item["msg"], "type": item["type"]}
        for item in error.errors(include_url=False, include_context=False, include_input=False)
    ]


def _cut_by_stop() -> UnavailableError:
    # The drain cancelled this request: answer it rather than leave uvicorn a bare 500.
    return UnavailableError("Request cancelled: the server is shutting down")


def _check_key(key: str, route_id: str) -> None:
    if key != route_id:
        raise ValueError(f"route registered under {key!r} but its id is {route_id!r}")


async def _answer_preflight(scope: Scope, send: Send, allow_origin: str) -> None:
    requested = next(
        (value for name, value in scope["headers"] if name == b"access-control-request-headers"),
        None,
    )
    start, end = preflight_messages(allow_origin, requested)
    await send(start)
    await send(end)


async def _lifespan(receive: Receive, send: Send) -> None:
    """Acknowledge startup and shutdown: the exposure's owner, not uvicorn, runs the lifecycle."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
