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
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from runner_gen.runtime import serializer
from runner_gen.runtime.clock import SYSTEM_CLOCK, Clock
from runner_gen.runtime.context import AsyncContext, Provision
from runner_gen.runtime.errors import HookError, Rejection
from runner_gen.runtime.exposure.asgi import Receive, Scope, Send
from runner_gen.runtime.exposure.auth import Authenticator
from runner_gen.runtime.exposure.body import (
    ClientDisconnected,
    check_declared_length,
    read_body,
    whole_body,
)
from runner_gen.runtime.exposure.config import ExposureConfig
from runner_gen.runtime.exposure.contexts import ContextHydrator, call_within
from runner_gen.runtime.exposure.cors import Cors
from runner_gen.runtime.exposure.deadlines import BodyDeadlines
from runner_gen.runtime.exposure.envelope import (
    INTERNAL_ERROR_BODY,
    OK_WITHOUT_RESULT,
    Headers,
    fixed_headers,
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
    ParallelEventReturnError,
    RequestTimeoutError,
    UnavailableError,
)
from runner_gen.runtime.exposure.extensions import (
    BODY_DEADLINE,
    CLIENT_CLOSED_REQUEST,
    WHOLE_RESPONSE,
    WholeResponse,
    is_body_deadline,
    is_client_abort,
)
from runner_gen.runtime.exposure.headers import RequestHeaders, request_id_of, scan_headers
from runner_gen.runtime.exposure.probes import GUARDED_PATHS, ProbeEndpoints, Probes
from runner_gen.runtime.exposure.routes import EventRoute, TaskRoute
from runner_gen.runtime.exposure.strict import is_strict, strict_decoder
from runner_gen.runtime.exposure.table import Discovery, RouteTable, Unexposed
from runner_gen.runtime.trace_context import HOOKS

_logger = logging.getLogger("runner_gen.exposure")

#: What a decoder may raise for input it cannot read, besides pydantic's ValidationError:
#: too-deep recursive models, numbers past the int digit limit, text that is not valid UTF-8.
_UNREADABLE_INPUT = (RecursionError, ValueError, TypeError, UnicodeError)


class ExposureApp:
    """ASGI 3 callable serving ``tasks`` and ``events`` under ``config.base_path``."""

    def __init__(
        self,
        config: ExposureConfig,
        tasks: Mapping[str, TaskRoute],
        events: Mapping[str, EventRoute],
        probes: Probes | None = None,
        contexts: Mapping[str, AsyncContext[Any]] | None = None,
        *,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.config = config
        # The async contexts a caller may send in x-runner-context (none unless given).
        self._contexts = ContextHydrator(contexts or {})
        probes = probes if probes is not None else Probes()
        #: The probe endpoints, shared with the admin bind when there is one.
        self.probe_endpoints = ProbeEndpoints(
            probes,
            cache_seconds=config.health_cache_seconds,
            visible_task_ids=None if config.admin_port is not None else tuple(tasks),
            clock=clock,
        )
        # With an admin bind, the API port knows nothing of the probes.
        self._probes = self.probe_endpoints if config.admin_port is None else None
        self._probes_need_auth = config.probes_require_token
        self._auth = Authenticator(config)
        if self._auth.fails_closed:
            _logger.warning(
                "exposure.auth.not_configured: no tokens, no verifier and allow_anonymous is "
                "False; every request will fail with AUTH_NOT_CONFIGURED"
            )
        principal = self._auth.principal_auth
        self._principal_context = principal.context if principal is not None else None
        self._limit = config.body_limit
        self._deadlines = BodyDeadlines(config.body_timeout)
        self._public_errors = config.public_errors
        self._cors = Cors(config.cors_allow_origin)
        self._fixed_headers = (*fixed_headers(None), *self._cors.fixed)
        #: Set when the server begins to stop: new requests get 503 UNAVAILABLE, and requests
        #: cancelled by the drain answer 503 instead of dying silently.
        self.stopping = False
        self._table = RouteTable(
            config.normalized_base_path, tasks, events, discovery=not config.disable_discovery
        )
        self._decoders: dict[str, Callable[[Any], Any]] = {
            task_id: strict_decoder(task_id, route.decode_input)
            if is_strict(task_id, config.strict_input)
            else route.decode_input
            for task_id, route in tasks.items()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await _lifespan(receive, send)
            return
        path: str = scope.get("path") or ""  # a missing path fails below, with the envelope
        if scope["method"] == "OPTIONS" and self._cors.enabled and self._table.is_under_base(path):
            start, end = self._cors.preflight(scope)
            await send(start)
            await send(end)
            return
        headers = scan_headers(scope["headers"], self._auth.token_header)
        request_id = request_id_of(headers.request_id)
        extra: Headers = ()
        probes = self._probes
        try:
            if probes is not None and probes.handles(path):
                if self._probes_need_auth and path in GUARDED_PATHS:
                    await self._admit(scope, headers)
                await probes.answer(scope["method"], path, self.stopping, send)
                return
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
        except asyncio.CancelledError as cancelled:
            if not is_client_abort(cancelled):
                raise
            self._aborted(scope, request_id)
            return
        except Exception as error:
            # A fault in the pipeline itself still gets the envelope, not uvicorn's plain 500.
            try:
                status, body = self._failure(error, "exposure.request.error", "", request_id)
            except Answered as answered:
                status, body, extra = answered.status, answered.body, answered.headers
        fixed = self._fixed_headers
        if self._cors.per_origin:
            fixed = (*fixed, *self._cors.response_headers(scope))
        start, end = response_messages(status, body, request_id, self.stopping, fixed, extra)
        whole: WholeResponse | None = scope.get(WHOLE_RESPONSE)
        if whole is not None:  # our own server: one write instead of two messages
            pending = whole(start["status"], start["headers"], end["body"])
            if pending is not None:
                await pending
            return
        await send(start)
        await send(end)

    async def _respond_traced(
        self, scope: Scope, receive: Receive, headers: RequestHeaders, request_id: bytes
    ) -> tuple[int, bytes]:
        # A SERVER span continuing the caller's W3C trace; named after the route, never the raw
        # path, so span names cannot grow with what callers send.
        route = self._table.exact(scope["path"])
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
        endpoint = self._table.resolve(scope["path"])
        method: str = scope["method"]
        if isinstance(endpoint, Discovery):
            if method != "GET":
                raise MethodNotAllowedError()
            if not self._admitted_at_once(headers):
                await self._auth.admit(scope, headers.authorization, headers.ambiguous_credentials)
            return 200, endpoint.body
        if method != "POST":
            raise MethodNotAllowedError()
        if headers.chunked and headers.content_length is not None:
            # Two framings a proxy and uvicorn may read differently: request smuggling shape.
            raise BadRequestError("Both Content-Length and Transfer-Encoding are set")
        principal = (
            None
            if self._admitted_at_once(headers)
            else await self._auth.admit(scope, headers.authorization, headers.ambiguous_credentials)
        )
        if isinstance(endpoint, Unexposed):
            raise ForbiddenError(f"{endpoint.kind} {endpoint.id} not exposed")
        document = await self._read_json(scope, receive, headers)
        provisions = self._contexts.provisions(headers.context) if headers.context else []
        if principal is not None and self._principal_context is not None:
            # Provided last, so a caller's x-runner-context can never stand in for it.
            provisions.append(self._principal_context.provide(principal))
        if isinstance(endpoint, TaskRoute):
            return await self._run_task(endpoint, document, request_id, provisions)
        return await self._emit_event(endpoint, document, request_id, provisions)

    def _admitted_at_once(self, headers: RequestHeaders) -> bool:
        """True when no await is needed to admit the request (the common, static-token case);
        False sends it to the validators (``Authenticator.admit``)."""
        if self.stopping:
            raise UnavailableError()
        return self._auth.accepts(headers.token, headers.ambiguous_credentials)

    async def _admit(self, scope: Scope, headers: RequestHeaders) -> Any:
        """Admit the request or raise the refusal; returns the caller's principal, if any."""
        if self._admitted_at_once(headers):
            return None
        return await self._auth.admit(scope, headers.authorization, headers.ambiguous_credentials)

    async def _read_json(self, scope: Scope, receive: Receive, headers: RequestHeaders) -> object:
        check_declared_length(headers.content_length, self._limit)
        if BODY_DEADLINE in scope:  # our server bounds the body phase: no timer of our own
            try:
                first = await receive()
                raw = whole_body(first, self._limit)
                if raw is None:
                    raw = await read_body(receive, self._limit, first)
            except asyncio.CancelledError as cancelled:
                if is_body_deadline(cancelled):
                    asyncio.current_task().uncancel()  # type: ignore[union-attr]
                    raise RequestTimeoutError() from None
                if self.stopping:
                    raise _cut_by_stop() from None
                raise
            return _decode(raw)
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
        return _decode(raw)

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
            value = self._decoders[route.id](raw)
        except ValidationError as invalid:
            raise InvalidInputError(details=_validation_details(invalid)) from None
        except _UNREADABLE_INPUT:
            raise InvalidInputError() from None
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
        except _UNREADABLE_INPUT:
            raise InvalidInputError() from None
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

    def _aborted(self, scope: Scope, request_id: bytes) -> None:
        """The client disconnected before its answer: the task was cancelled; Runner logs 499."""
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
        route = self._table.exact(scope["path"])
        definition_id = route.id if isinstance(route, TaskRoute | EventRoute) else "_OTHER"
        _logger.info(
            "exposure.request.aborted: %s cancelled, the client disconnected (request %s, %d)",
            definition_id,
            request_id.decode("ascii"),
            CLIENT_CLOSED_REQUEST,
            extra={
                "event": "exposure.request.aborted",
                "definition_id": definition_id,
                "request_id": request_id.decode("ascii"),
                "status": CLIENT_CLOSED_REQUEST,
            },
        )


def _decode(raw: bytes) -> object:
    if not raw:
        return serializer.UNDEFINED  # Runner: an empty body is an undefined input
    try:
        return serializer.loads(raw)
    except serializer.SerializerError:
        raise InvalidJsonError() from None


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


async def _lifespan(receive: Receive, send: Send) -> None:
    """Acknowledge startup and shutdown: the exposure's owner, not uvicorn, runs the lifecycle."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
