"""A real uvicorn server on 127.0.0.1:0 speaking (and deliberately breaking) the tunnel protocol.

The transport tests need answers no well-behaved exposure gives (plain-text 400s, empty bodies,
redirects, stalls), so this is a tiny raw ASGI app, one behaviour per task id.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import uvicorn

from runner_gen.runtime.serializer import dumps, loads

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

TOKEN = "s3cret"
BASE = "/__runner"
STALL_SECONDS = 5.0
REQUEST_ID = b"stub-request-1"


@dataclass
class StubState:
    events: list[tuple[str, object]] = field(default_factory=list)
    request_count: int = 0


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    request_id: bytes | None = REQUEST_ID


def ok(result: object) -> Reply:
    return Reply(200, dumps({"ok": True, "result": result}))


def failed(status: int, error: dict[str, object]) -> Reply:
    return Reply(status, dumps({"ok": False, "error": error}))


TASK_REPLIES: dict[str, Reply] = {
    "fail.plain": failed(500, {"code": "INTERNAL_ERROR", "message": "Internal Error"}),
    "fail.typed": failed(
        409,
        {
            "code": "INTERNAL_ERROR",
            "message": "Out of stock",
            "id": "app.errors.outOfStock",
            "data": {"sku": "x1"},
            "httpCode": 409,
        },
    ),
    "fail.no_code": failed(500, {"message": ""}),
    "fail.string": Reply(500, b'{"ok":false,"error":"boom"}'),
    "fail.none": Reply(500, b'{"ok":false}'),
    "text400": Reply(400, b"Invalid HTTP request received.", "text/plain; charset=utf-8"),
    "empty500": Reply(500, b"", request_id=None),
    "empty200": Reply(200, b""),
    "html200": Reply(200, b"<html>hello</html>", "text/html"),
    "array200": Reply(200, b"[1,2]"),
    "okstring": Reply(200, b'{"ok":"yes","result":1}'),
    "undefined": Reply(200, b'{"ok":true,"result":{"__type":"Undefined","value":null}}'),
    "noresult": Reply(200, b'{"ok":true}'),
    "redirect": Reply(307, b"", headers=[(b"location", b"http://127.0.0.1:9/elsewhere")]),
}

DISCOVERY = {"allowList": {"enabled": True, "tasks": ["echo"], "events": ["app.events.note"]}}


def make_app(state: StubState) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        state.request_count += 1
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        reply = await route(scope, body, state)
        headers = [(b"content-type", reply.content_type.encode()), *reply.headers]
        if reply.request_id is not None:
            headers.append((b"x-runner-request-id", reply.request_id))
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": reply.body})

    return app


async def route(scope: Scope, body: bytes, state: StubState) -> Reply:
    raw_path: bytes = scope["raw_path"]
    path = raw_path.decode()
    headers = {key.decode(): value.decode() for key, value in scope["headers"]}
    if path.startswith("/nolist/"):
        return ok("no allow list here")
    if path.startswith("/broken/"):
        return ok({"allowList": {"enabled": True, "tasks": "echo", "events": []}})
    if not path.startswith(BASE + "/"):
        return failed(404, {"code": "NOT_FOUND", "message": "Route not found"})
    if TOKEN not in (headers.get("x-runner-token"), headers.get("x-api-key")):
        return failed(401, {"code": "UNAUTHORIZED", "message": "Unauthorized"})
    kind, _, raw_id = path[len(BASE) + 1 :].partition("/")
    if kind == "discovery":
        return ok(DISCOVERY)
    target = unquote(raw_id)
    if kind == "event":
        envelope = loads(body)
        assert isinstance(envelope, dict)
        state.events.append((target, envelope.get("payload")))
        if envelope.get("returnPayload") is True:
            return ok({"echoed": envelope.get("payload")})
        return Reply(200, b'{"ok":true}')
    if target == "stall":
        await asyncio.sleep(STALL_SECONDS)
    if target in TASK_REPLIES:
        return TASK_REPLIES[target]
    envelope = loads(body)
    assert isinstance(envelope, dict)
    return ok(
        {
            "id": target,
            "raw_path": path,
            "input": envelope["input"],
            "content_type": headers.get("content-type"),
            "auth_headers": sorted(k for k in headers if k in {"x-runner-token", "x-api-key"}),
        }
    )


@dataclass
class RunningStub:
    origin: str
    state: StubState

    @property
    def base_url(self) -> str:
        return self.origin + BASE


@contextmanager
def serve_stub() -> Iterator[RunningStub]:
    """Run the stub app under uvicorn in a thread (so sync and async tests can share it)."""
    state = StubState()
    config = uvicorn.Config(
        make_app(state),
        host="127.0.0.1",
        port=0,
        log_level="critical",
        lifespan="off",
        ws="none",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="stub-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("stub uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield RunningStub(f"http://127.0.0.1:{port}", state)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
