"""A generated app inside FastAPI and Starlette, served by runner-gen's uvicorn over real HTTP:
the lifespan starts and disposes it, routes reach its tasks, the exposure answers under a mount
path, a failed start is the host's failed startup, and shutdown disposes after the last request."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from runner_gen.asgi import HostedServer, LifespanStartupError, serve_app
from runner_gen.runtime.exposure.asgi import Message
from tests.asgi.apps import TOKEN
from tests.asgi.hosts import fastapi_host, lifespan, starlette_host

AUTH = {"x-runner-token": TOKEN}


async def until(condition: Callable[[], bool], what: str, deadline: float = 10.0) -> None:
    """Poll ``condition`` on the event loop until it holds, failing after ``deadline``."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while not condition():
        if loop.time() > end:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


async def test_fastapi_routes_call_the_started_apps_tasks_and_resources() -> None:
    runner = lifespan()
    server = await serve_app(fastapi_host(runner))
    try:
        store = runner.app.resources.store
        store.release.set()
        async with httpx.AsyncClient(base_url=server.url) as http:
            answer = await http.post("/hold", json={"label": "a"})
            assert answer.status_code == 200
            assert answer.json() == {"label": "a", "store_closed_when_answered": False}
            assert (await http.get("/log")).json() == ["a started", "a answered"]
            invalid = await http.post("/hold", json={"label": 3})
            assert invalid.status_code == 422  # FastAPI validated the task's own input model
    finally:
        await server.stop()
    assert store.log[-1] == "store disposed"
    with pytest.raises(RuntimeError, match="not running"):
        _ = runner.app


@pytest.mark.parametrize("host", [fastapi_host, starlette_host], ids=["fastapi", "starlette"])
async def test_the_exposure_answers_under_the_mount_path(host: Callable[[Any], Any]) -> None:
    runner = lifespan()
    server = await serve_app(host(runner))
    try:
        async with httpx.AsyncClient(base_url=f"{server.url}/rpc/__runner") as http:
            echoed = await http.post(
                "/task/mounted.tasks.echo", json={"input": {"label": "x"}}, headers=AUTH
            )
            assert echoed.status_code == 200
            assert echoed.json() == {"ok": True, "result": {"label": "x"}}
            assert echoed.headers["x-runner-request-id"]
            anonymous = await http.post("/task/mounted.tasks.echo", json={"input": {}})
            assert anonymous.status_code == 401
            assert anonymous.json()["error"]["code"] == "UNAUTHORIZED"
            hidden = await http.post(
                "/task/mounted.hidden.secret", json={"input": {"label": "x"}}, headers=AUTH
            )
            assert hidden.status_code == 403
            bad = await http.post(
                "/task/mounted.tasks.echo", json={"input": {"label": []}}, headers=AUTH
            )
            assert bad.status_code == 400
            assert bad.json()["error"]["code"] == "INVALID_INPUT"
            discovery = await http.get("/discovery", headers=AUTH)
            assert discovery.json()["result"]["allowList"]["tasks"] == [
                "mounted.tasks.echo",
                "mounted.tasks.hold",
            ]
        async with httpx.AsyncClient(base_url=server.url) as http:
            # Outside the mount, the exposure's paths are the host's 404s.
            outside = await http.post("/__runner/task/mounted.tasks.echo", headers=AUTH)
            assert outside.status_code == 404
            assert "ok" not in outside.text
    finally:
        await server.stop()


async def test_starlette_handlers_read_the_started_app_from_the_request() -> None:
    runner = lifespan()
    server = await serve_app(starlette_host(runner))
    try:
        async with httpx.AsyncClient(base_url=server.url) as http:
            answer = await http.post("/echo", json={"label": "plain"})
        assert answer.status_code == 200
        assert answer.json() == {"label": "plain"}
    finally:
        await server.stop()


async def test_a_failed_start_is_the_hosts_failed_startup_and_rolls_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runner = lifespan("tests.asgi.apps:broken_app")
    with (
        caplog.at_level(logging.ERROR, "runner_gen.asgi"),
        pytest.raises(LifespanStartupError) as failed,
    ):
        await serve_app(fastapi_host(runner))
    assert failed.value.reason == "ConnectionError: database at 127.0.0.1:1 is unreachable"
    assert "Traceback" in failed.value.detail  # Starlette's lifespan.startup.failed message
    [record] = [r for r in caplog.records if r.name == "runner_gen.asgi"]
    assert record.getMessage() == (
        "asgi.lifespan.startup_failed: ConnectionError: database at 127.0.0.1:1 is unreachable"
    )
    with pytest.raises(RuntimeError, match="not running"):
        _ = runner.app


async def test_a_mounted_exposure_refuses_an_admin_port_at_start() -> None:
    runner = lifespan("tests.asgi.apps:admin_port_app")
    with pytest.raises(LifespanStartupError) as failed:
        await serve_app(starlette_host(runner))
    assert failed.value.reason.startswith(
        "runner_gen.definitions.remote.ExposureConfigError: A mounted exposure (mount=True)"
    )


@pytest.mark.parametrize("path", ["/hold", "/rpc/__runner/task/mounted.tasks.hold"])
async def test_shutdown_disposes_after_the_requests_in_flight(path: str) -> None:
    runner = lifespan()
    server = await serve_app(fastapi_host(runner))
    store = runner.app.resources.store
    async with (
        httpx.AsyncClient(base_url=server.url, headers=AUTH) as http,
        httpx.AsyncClient(base_url=server.url) as kept_alive,
    ):
        assert (await kept_alive.get("/log")).status_code == 200  # an idle connection stays
        body = {"label": "slow"} if path == "/hold" else {"input": {"label": "slow"}}
        request = asyncio.create_task(http.post(path, json=body))
        await until(lambda: "slow started" in store.log, "the request to reach the task")
        assert server.in_flight == 1
        stopping = asyncio.create_task(server.stop())
        await until(lambda: not server.server.ready, "the server to stop accepting")
        late = await kept_alive.get("/log")  # a new request on a kept-alive connection
        assert late.status_code == 503
        assert late.headers["connection"] == "close"
        assert late.json()["error"]["id"] == "unavailable"
        assert not stopping.done()
        assert "store disposed" not in store.log  # the request still holds the store
        store.release.set()
        answer = await request
        await stopping
    assert answer.status_code == 200
    result = answer.json() if path == "/hold" else answer.json()["result"]
    assert result == {"label": "slow", "store_closed_when_answered": False}
    assert store.log == ["slow started", "slow answered", "store disposed"]


async def test_a_request_past_the_exposures_drain_budget_is_cut_with_a_503(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runner = lifespan()
    server: HostedServer = await serve_app(starlette_host(runner))
    exposure = runner.app.resources.exposure
    store = runner.app.resources.store
    try:
        async with httpx.AsyncClient(base_url=f"{server.url}/rpc/__runner") as http:
            stuck = asyncio.create_task(
                http.post("/task/mounted.tasks.hold", json={"input": {"label": "s"}}, headers=AUTH)
            )
            await until(lambda: exposure.in_flight == 1, "the request to be in flight")
            with caplog.at_level(logging.WARNING, "runner_gen.exposure"):
                await exposure.stop(0)
            answer = await stuck
            assert answer.status_code == 503
            assert answer.json()["error"]["code"] == "UNAVAILABLE"
            assert exposure.cancelled_on_stop == 1
            assert not exposure.ready
            assert exposure.config.drain_budget == 5.0
            late = await http.post(
                "/task/mounted.tasks.echo", json={"input": {"label": "x"}}, headers=AUTH
            )
            assert late.status_code == 503
        assert "exposure.drain.exceeded: cancelled 1 mounted request(s) after 0.0 s" in [
            r.getMessage() for r in caplog.records
        ]
    finally:
        await server.stop()
    assert store.log == ["s started", "store disposed"]


async def test_the_mounted_exposure_passes_other_scopes_to_the_exposure() -> None:
    runner = lifespan()
    server = await serve_app(starlette_host(runner))
    sent: list[Message] = []
    incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]

    async def receive() -> Message:
        return incoming.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    try:
        # Mounts see no lifespan from Starlette; called directly, the exposure acknowledges it.
        await runner.app.resources.exposure.asgi({"type": "lifespan"}, receive, send)
    finally:
        await server.stop()
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
