"""The lifespan protocol at its edges: apps without a lifespan, failures on either side, a
Lifespan shared by two hosts, and a request that reaches a host whose lifespan never ran."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

import runner_gen.asgi
from runner_gen.asgi import LifespanShutdownError, LifespanStartupError, serve_app
from runner_gen.runtime.exposure import ExposureStartError
from runner_gen.runtime.exposure.asgi import Message, Receive, Scope, Send
from runner_gen.runtime.exposure.mount import _route_path
from tests.asgi.hosts import lifespan


async def plain(scope: Scope, receive: Receive, send: Send) -> None:
    """An ASGI app with no lifespan support: it returns on anything but HTTP."""
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"plain"})


async def test_an_app_without_a_lifespan_is_served_and_stopped() -> None:
    server = await serve_app(plain)
    try:
        async with httpx.AsyncClient(base_url=server.url) as http:
            assert (await http.get("/")).text == "plain"
    finally:
        await server.dispose()
    await server.stop()  # a second stop is a no-op


async def test_an_app_that_raises_before_answering_startup_did_not_start() -> None:
    async def raises(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        raise ValueError("bad settings")

    with pytest.raises(LifespanStartupError, match="ValueError: bad settings"):
        await serve_app(raises)


def lifespan_app(startup: Message | None, shutdown: Message | Exception | None) -> Any:
    """A raw ASGI app whose lifespan answers ``startup``, then ``shutdown`` (None: returns
    without answering; an exception: raises it instead)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await plain(scope, receive, send)
            return
        await receive()
        if startup is None:
            return
        await send(startup)
        await receive()
        if isinstance(shutdown, Exception):
            raise shutdown
        if shutdown is not None:
            await send(shutdown)

    return app


async def test_a_startup_failure_without_a_traceback_keeps_its_message() -> None:
    app = lifespan_app({"type": "lifespan.startup.failed", "message": "no database\n"}, None)
    with pytest.raises(LifespanStartupError) as failed:
        await serve_app(app)
    assert failed.value.reason == "no database"
    assert str(failed.value) == "The app did not start: no database"


@pytest.mark.parametrize(
    ("shutdown", "reason"),
    [
        (None, None),  # returned without answering: nothing to report
        ({"type": "lifespan.shutdown.complete"}, None),
        (
            {"type": "lifespan.shutdown.failed", "message": ""},
            "the lifespan failed without a message",
        ),
        (OSError("flush failed"), "OSError: flush failed"),
    ],
)
async def test_each_way_a_lifespan_can_end(
    shutdown: Message | Exception | None, reason: str | None
) -> None:
    server = await serve_app(lifespan_app({"type": "lifespan.startup.complete"}, shutdown))
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get("/")).text == "plain"
    if reason is None:
        await server.stop()
        return
    with pytest.raises(LifespanShutdownError) as failed:
        await server.stop()
    assert failed.value.reason == reason


async def test_a_busy_port_shuts_the_started_lifespan_down_again() -> None:
    runner = lifespan()
    first = await serve_app(Starlette(lifespan=lifespan()))
    try:
        with pytest.raises(ExposureStartError):
            await serve_app(Starlette(lifespan=runner), port=first.port)
        with pytest.raises(RuntimeError, match="not running"):
            _ = runner.app  # started, then disposed when the port could not be bound
    finally:
        await first.stop()


async def test_a_failing_dispose_is_the_hosts_failed_shutdown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runner = lifespan("tests.asgi.apps:failing_dispose_app")
    server = await serve_app(Starlette(lifespan=runner))
    with pytest.raises(LifespanShutdownError) as failed:
        await server.stop()
    # A single dispose failure is the resource's own error, as in Runner.
    assert failed.value.reason == "OSError: cache flush failed: disk full"
    # The cause is in the app's own log line, traceback included.
    [logged] = [r for r in caplog.records if r.name == "runner_gen.lifecycle"]
    assert "failed to dispose: cache flush failed: disk full" in logged.getMessage()


async def test_one_lifespan_cannot_start_two_hosts() -> None:
    runner = lifespan()
    first = await serve_app(Starlette(lifespan=runner))
    try:
        with pytest.raises(LifespanStartupError, match="already running"):
            await serve_app(Starlette(lifespan=runner))
    finally:
        await first.stop()


async def test_a_host_whose_lifespan_never_ran_says_so() -> None:
    runner = lifespan()

    async def route(request: Request) -> PlainTextResponse:
        runner.of(request)
        return PlainTextResponse("unreachable")

    # The Lifespan is not the host's lifespan: nothing put the app in the request state.
    host = Starlette(routes=[Route("/", route), Mount("/rpc", app=runner.mount(lambda a: a))])
    server = await serve_app(host)
    try:
        async with httpx.AsyncClient(base_url=server.url) as http:
            assert (await http.get("/")).status_code == 500
            assert (await http.post("/rpc/__runner/discovery")).status_code == 500
    finally:
        await server.stop()
    with pytest.raises(RuntimeError, match="No started app under 'runner'"):
        runner.of(SimpleNamespace(scope={"state": {}}))
    with pytest.raises(RuntimeError, match="No started app under 'runner'"):
        runner.of(SimpleNamespace(scope={}))


@pytest.mark.parametrize(
    ("scope", "path"),
    [
        ({"path": "/rpc/__runner/task/a", "root_path": "/rpc"}, "/__runner/task/a"),
        ({"path": "/rpc", "root_path": "/rpc"}, "/"),
        # A host that already stripped the mount point (older Starlette) is left alone...
        ({"path": "/__runner/task/a", "root_path": "/rpc"}, "/__runner/task/a"),
        # ...and a prefix that is not a whole segment is no mount point.
        ({"path": "/rpcx/__runner", "root_path": "/rpc"}, "/rpcx/__runner"),
        ({"path": "/__runner/discovery"}, "/__runner/discovery"),
    ],
)
def test_the_path_below_the_mount_point(scope: dict[str, Any], path: str) -> None:
    assert _route_path(scope) == path


def test_mounting_and_the_lifespan_import_no_framework_and_no_server() -> None:
    code = (
        "import sys, runner_gen.asgi\n"
        "print(sorted(m for m in ('fastapi', 'starlette', 'uvicorn') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
    with pytest.raises(AttributeError, match="has no attribute 'serve'"):
        _ = runner_gen.asgi.serve
