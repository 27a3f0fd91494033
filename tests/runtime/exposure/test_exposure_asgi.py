"""The app called directly as ASGI, for what uvicorn never lets through but other servers might."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from runner_gen.runtime.exposure import EventRoute, ExposureApp, ExposureConfig, TaskRoute

from .helpers import TOKEN


class Exchange:
    """One request's receive/send pair: the body as given, the messages the app sent."""

    def __init__(self, body: bytes = b"{}") -> None:
        self._incoming = [{"type": "http.request", "body": body, "more_body": False}]
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        if self._incoming:
            return self._incoming.pop(0)
        await asyncio.Event().wait()  # a real server blocks until the client does something
        raise AssertionError("unreachable")

    async def send(self, message: Any) -> None:
        self.sent.append(dict(message))

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    @property
    def json(self) -> Any:
        return json.loads(self.sent[1]["body"])


def http_scope(path: str, *headers: tuple[bytes, bytes], method: str = "POST") -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "headers": [(b"x-runner-token", TOKEN.encode()), *headers],
    }


def make_app(**routes: Any) -> ExposureApp:
    tasks = {k: v for k, v in routes.items() if isinstance(v, TaskRoute)}
    events = {k: v for k, v in routes.items() if isinstance(v, EventRoute)}
    return ExposureApp(ExposureConfig(tokens=(TOKEN,)), tasks, events)


async def echo(value: Any) -> Any:
    return value


async def test_a_content_length_that_is_not_a_number_is_a_400() -> None:
    app = make_app(t=TaskRoute(id="t", call=echo))
    exchange = Exchange(b'{"input":1}')
    await app(
        http_scope("/__runner/task/t", (b"content-length", b"-1")), exchange.receive, exchange.send
    )
    assert exchange.status == 400
    assert exchange.json["error"] == {"message": "Invalid Content-Length", "code": "BAD_REQUEST"}


async def test_a_fault_in_the_pipeline_itself_still_answers_with_the_envelope(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app(t=TaskRoute(id="t", call=echo))
    exchange = Exchange()
    scope = http_scope("/__runner/task/t")
    del scope["path"]  # a server that breaks the ASGI contract
    with caplog.at_level(logging.ERROR, logger="runner_gen.exposure"):
        await app(scope, exchange.receive, exchange.send)
    assert exchange.status == 500
    assert exchange.json == {
        "ok": False,
        "error": {"message": "Internal Error", "code": "INTERNAL_ERROR"},
    }
    assert [r.event for r in caplog.records] == ["exposure.request.error"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", ["task", "event"])
async def test_a_request_cancelled_outside_a_stop_propagates_the_cancellation(kind: str) -> None:
    entered = asyncio.Event()

    async def hang(_: Any) -> Any:
        entered.set()
        await asyncio.Event().wait()

    app = make_app(t=TaskRoute(id="t", call=hang), e=EventRoute(id="e", emit=hang))
    exchange = Exchange()
    path = "/__runner/task/t" if kind == "task" else "/__runner/event/e"
    request = asyncio.create_task(app(http_scope(path), exchange.receive, exchange.send))
    await asyncio.wait_for(entered.wait(), 5)
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request
    assert exchange.sent == []


async def test_a_multi_message_body_is_joined() -> None:
    app = make_app(t=TaskRoute(id="t", call=echo))
    exchange = Exchange()
    exchange._incoming = [
        {"type": "http.request", "body": b'{"input":', "more_body": True},
        {"type": "http.request", "body": b"", "more_body": True},
        {"type": "http.request", "body": b'"joined"}', "more_body": False},
    ]
    await app(http_scope("/__runner/task/t"), exchange.receive, exchange.send)
    assert exchange.json == {"ok": True, "result": "joined"}


async def test_a_request_cancelled_while_its_body_is_awaited_propagates_the_cancellation() -> None:
    app = make_app(t=TaskRoute(id="t", call=echo))
    exchange = Exchange()
    exchange._incoming = []  # the body never comes
    request = asyncio.create_task(
        app(http_scope("/__runner/task/t"), exchange.receive, exchange.send)
    )
    await asyncio.sleep(0.01)
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request
    assert exchange.sent == []
