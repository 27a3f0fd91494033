"""A route table compiled once from the tagged tasks, and the ASGI app that serves it.

Per request: one dict lookup for a literal path (a regex scan only for templated paths), one
pydantic validation, one task call, one JSON encoding. No FastAPI or Starlette.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qsl

import pydantic_core
from pydantic import BaseModel, ValidationError

from examples.http_api.models import Route
from runner_gen import TaggedTask
from runner_gen.runtime.errors import RunnerError
from runner_gen.runtime.logging.logger import Logger

Scope = Mapping[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_JSON_HEADERS = [(b"content-type", b"application/json")]
_UNAVAILABLE = {"id": "unavailable", "message": "The server is shutting down"}


class RouteError(ValueError):
    """Two routes collide, or a path template is malformed: found when the table is built."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    task_id: str
    run: Callable[..., Awaitable[Any]]
    takes_input: bool
    input: type[BaseModel] | None
    status: int


#: What a request resolved to: the endpoint (None: 404 or 405), the path parameters, and the
#: methods the path allows (empty: no route has this path). A plain tuple: built per request.
Match = tuple[Endpoint | None, Mapping[str, str], Mapping[str, Endpoint]]
_NONE: Mapping[str, Any] = MappingProxyType({})


class RouteTable:
    def __init__(self, routes: Sequence[TaggedTask[Route]]) -> None:
        self._literal: dict[str, dict[str, Endpoint]] = {}
        self._templated: list[tuple[re.Pattern[str], dict[str, Endpoint]]] = []
        templated_by_path: dict[str, dict[str, Endpoint]] = {}
        for route in routes:
            config = route.config
            if route.takes_input and config.input is None:
                raise RouteError(f'Task "{route.id}" takes input: give its route an input model')
            endpoint = Endpoint(route.id, route.run, route.takes_input, config.input, config.status)
            templated = _PARAM.search(config.path) is not None
            table = templated_by_path if templated else self._literal
            methods = table.setdefault(config.path, {})
            if config.method in methods:
                raise RouteError(
                    f"{config.method} {config.path} is routed to both "
                    f'"{methods[config.method].task_id}" and "{route.id}"'
                )
            methods[config.method] = endpoint
        for path, methods in templated_by_path.items():
            self._templated.append((_compile(path), methods))

    def resolve(self, method: str, path: str) -> Match:
        methods = self._literal.get(path)
        if methods is not None:
            return methods.get(method), _NONE, methods
        for pattern, candidates in self._templated:
            found = pattern.fullmatch(path)
            if found is not None:
                return candidates.get(method), found.groupdict(), candidates
        return None, _NONE, _NONE


def _compile(template: str) -> re.Pattern[str]:
    names = _PARAM.findall(template)
    if len(set(names)) != len(names):
        raise RouteError(f"{template}: a path parameter appears twice")
    pattern = ""
    last = 0
    for found in _PARAM.finditer(template):
        pattern += re.escape(template[last : found.start()]) + f"(?P<{found.group(1)}>[^/]+)"
        last = found.end()
    return re.compile(pattern + re.escape(template[last:]))


class HttpError(Exception):
    """A response decided before the task runs (bad JSON, body too large, ...)."""

    def __init__(self, status: int, id: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"id": id, "message": message}
        if details is not None:
            self.body["details"] = details


class ApiApp:
    """The ASGI app. Input is `{**query, **json_body, **path_params, "token": bearer}`: the
    path wins over query and body, so a body cannot redirect `DELETE /users/1` to user 2."""

    def __init__(self, table: RouteTable, logger: Logger, *, max_body_bytes: int) -> None:
        self._table = table
        self._logger = logger
        self._max_body = max_body_bytes
        #: Set when shutdown begins: requests on kept-alive connections get 503 from then on.
        self.stopping = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # lifespan is off and websockets are disabled: nothing else arrives
        try:
            status, result = await self._handle(scope, receive)
        except asyncio.CancelledError:
            if not self.stopping:
                raise
            # The drain timeout ran out for this request: answer instead of dropping the
            # connection; the task ends here either way.
            await _respond(send, 503, {"error": _UNAVAILABLE})
            return
        except HttpError as error:
            await _respond(send, error.status, {"error": error.body}, error.status == 405)
            return
        await _respond(send, status, result)

    async def _handle(self, scope: Scope, receive: Receive) -> tuple[int, Any]:
        if self.stopping:
            raise HttpError(503, _UNAVAILABLE["id"], _UNAVAILABLE["message"])
        endpoint, params, methods = self._table.resolve(scope["method"], scope["path"])
        if endpoint is None:
            if methods:
                raise HttpError(405, "method_not_allowed", "Method not allowed", tuple(methods))
            raise HttpError(404, "not_found", "No route for this path")
        value: BaseModel | None = None
        if endpoint.takes_input:
            query: bytes = scope["query_string"]
            fields: dict[str, Any] = dict(parse_qsl(query.decode("latin-1"))) if query else {}
            fields.update(await self._json_body(receive))
            fields.update(params)
            token = _bearer_token(scope)
            if token is not None:
                fields["token"] = token
            assert endpoint.input is not None  # RouteTable refuses such routes without a model
            try:
                value = endpoint.input.model_validate(fields)
            except ValidationError as invalid:
                details = invalid.errors(
                    include_url=False, include_input=False, include_context=False
                )
                raise HttpError(400, "validation", "Invalid input", details) from None
        try:
            return endpoint.status, await (
                endpoint.run(value) if endpoint.takes_input else endpoint.run()
            )
        except RunnerError as error:
            if error.http_code != 500:
                raise HttpError(error.http_code, error.id, error.message) from None
            await self._log_failure(endpoint, error)
        except Exception as error:
            await self._log_failure(endpoint, error)
        raise HttpError(500, "internal_error", "Internal server error")

    async def _log_failure(self, endpoint: Endpoint, error: Exception) -> None:
        # The operator gets the traceback in the log; the client only the generic message.
        await self._logger.error("request failed", data={"task_id": endpoint.task_id}, error=error)

    async def _json_body(self, receive: Receive) -> dict[str, Any]:
        message = await receive()
        body: bytes = self._checked_chunk(message, 0)
        if message.get("more_body", False):
            chunks = [body]
            size = len(body)
            while message.get("more_body", False):
                message = await receive()
                chunk = self._checked_chunk(message, size)
                size += len(chunk)
                chunks.append(chunk)
            body = b"".join(chunks)
        if not body:
            return {}
        try:
            parsed = json.loads(body)
        except ValueError:
            raise HttpError(400, "invalid_json", "Request body is not valid JSON") from None
        if not isinstance(parsed, dict):
            raise HttpError(400, "invalid_json", "Request body must be a JSON object")
        return parsed

    def _checked_chunk(self, message: Message, size_so_far: int) -> bytes:
        if message["type"] == "http.disconnect":
            raise HttpError(400, "disconnected", "The client went away")
        chunk: bytes = message.get("body", b"")
        if size_so_far + len(chunk) > self._max_body:
            raise HttpError(413, "payload_too_large", "Request body too large")
        return chunk


def _bearer_token(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" else None
    return None


async def _respond(send: Send, status: int, body: Any, with_allow: bool = False) -> None:
    headers = _JSON_HEADERS
    if with_allow:
        headers = [*headers, (b"allow", ", ".join(body["error"]["details"]).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": pydantic_core.to_json(body)})
