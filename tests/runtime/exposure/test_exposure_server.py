"""Serving with uvicorn in the caller's loop: binding, readiness, signals, graceful stop."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import time
from typing import Any

import httpx
import pytest
import uvicorn

from runner_gen.runtime.exposure import (
    ExposureApp,
    ExposureConfig,
    ExposureStartError,
    TaskRoute,
    serve_exposure,
)

from .helpers import TOKEN, Recorder, post_head, raw_connection, read_response, serving

HEADERS = {"x-runner-token": TOKEN}


class Gate:
    """A task that waits until released, so a request can be held in flight on purpose."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, value: Any) -> Any:
        self.entered.set()
        await self.release.wait()
        return value


async def test_port_zero_binds_a_real_port_and_the_url_points_at_the_base_path() -> None:
    async with serving([TaskRoute(id="t", call=Recorder())]) as served:
        assert served.running.port > 0
        assert served.running.url == f"http://127.0.0.1:{served.running.port}/__runner"
        response = await served.client.post("/task/t", json={"input": 1})
    assert response.status_code == 200


async def test_keep_alive_responses_are_not_held_back_by_nagle() -> None:
    # Without TCP_NODELAY each response on a reused connection waits ~40 ms for a delayed ACK:
    # 20 sequential requests would take over 0.8 s instead of a few milliseconds each.
    async with serving([TaskRoute(id="t", call=Recorder())]) as served:
        await served.client.post("/task/t", json={"input": 0})
        started = time.perf_counter()
        for n in range(20):
            await served.client.post("/task/t", json={"input": n})
        elapsed = time.perf_counter() - started
    assert elapsed < 0.7


async def test_a_busy_port_is_a_typed_error_not_an_exit() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        config = ExposureConfig(tokens=(TOKEN,), port=port)
        with pytest.raises(ExposureStartError, match=f"Cannot listen on 127.0.0.1:{port}"):
            await serve_exposure(ExposureApp(config, {}, {}), config)


async def test_a_server_that_dies_before_listening_is_a_typed_error_and_frees_the_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken_load(self: uvicorn.Config) -> None:
        raise RuntimeError("bad protocol class")

    monkeypatch.setattr(uvicorn.Config, "load", broken_load)
    config = ExposureConfig(tokens=(TOKEN,))
    with pytest.raises(ExposureStartError, match="bad protocol class") as caught:
        await serve_exposure(ExposureApp(config, {}, {}), config)
    assert isinstance(caught.value.__cause__, RuntimeError)


async def test_cancelling_a_start_leaves_no_server_behind() -> None:
    config = ExposureConfig(tokens=(TOKEN,))
    before = {task for task in asyncio.all_tasks() if task.get_name() == "runner_gen.exposure"}
    starting = asyncio.create_task(serve_exposure(ExposureApp(config, {}, {}), config))
    await asyncio.sleep(0)  # serve_exposure is now waiting for uvicorn to listen
    starting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await starting
    left = {task for task in asyncio.all_tasks() if task.get_name() == "runner_gen.exposure"}
    assert left == before


async def test_serving_installs_no_signal_handlers() -> None:
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    async with serving([TaskRoute(id="t", call=Recorder())]) as served:
        during = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        await served.client.post("/task/t", json={"input": 1})
    assert during == before


async def test_ready_is_true_while_serving_and_false_once_stop_begins() -> None:
    config = ExposureConfig(tokens=(TOKEN,))
    running = await serve_exposure(ExposureApp(config, {}, {}), config)
    states = [running.ready]
    stopping = asyncio.create_task(running.stop())
    await asyncio.sleep(0)
    states.append(running.ready)
    await stopping
    states.append(running.ready)
    assert states == [True, False, False]


async def test_stop_lets_an_in_flight_request_finish_and_refuses_new_connections() -> None:
    gate = Gate()
    config = ExposureConfig(tokens=(TOKEN,), drain_budget=10)
    app = ExposureApp(config, {"slow": TaskRoute(id="slow", call=gate)}, {})
    running = await serve_exposure(app, config)
    async with httpx.AsyncClient(base_url=running.url, headers=HEADERS) as client:
        in_flight = asyncio.create_task(client.post("/task/slow", json={"input": "done"}))
        await asyncio.wait_for(gate.entered.wait(), 5)
        stopping = asyncio.create_task(running.stop())
        await asyncio.sleep(0)
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection("127.0.0.1", running.port)
        assert not stopping.done()  # still draining: the slow request holds it
        gate.release.set()
        response = await asyncio.wait_for(in_flight, 5)
        await asyncio.wait_for(stopping, 5)
    assert response.status_code == 200
    assert response.json() == {"ok": True, "result": "done"}
    assert response.headers["connection"] == "close"


async def test_a_request_on_a_kept_alive_connection_during_the_drain_gets_503() -> None:
    gate = Gate()
    config = ExposureConfig(tokens=(TOKEN,), drain_budget=10)
    routes = {
        "slow": TaskRoute(id="slow", call=gate),
        "fast": TaskRoute(id="fast", call=Recorder()),
    }
    running = await serve_exposure(ExposureApp(config, routes, {}), config)
    async with (
        httpx.AsyncClient(base_url=running.url, headers=HEADERS) as holder,
        httpx.AsyncClient(base_url=running.url, headers=HEADERS) as idle,
    ):
        assert (await idle.post("/task/fast", json={"input": 1})).status_code == 200
        in_flight = asyncio.create_task(holder.post("/task/slow", json={"input": 2}))
        await asyncio.wait_for(gate.entered.wait(), 5)
        stopping = asyncio.create_task(running.stop())
        late = await idle.post("/task/fast", json={"input": 3})
        gate.release.set()
        await asyncio.wait_for(in_flight, 5)
        await asyncio.wait_for(stopping, 5)
    assert late.status_code == 503
    assert late.json() == {
        "ok": False,
        "error": {"message": "Server is shutting down", "code": "UNAVAILABLE"},
    }
    assert late.headers["connection"] == "close"


async def test_requests_still_running_after_the_drain_budget_are_cut_with_503(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gate = Gate()  # never released
    config = ExposureConfig(tokens=(TOKEN,), drain_budget=0.2)
    running = await serve_exposure(
        ExposureApp(config, {"slow": TaskRoute(id="slow", call=gate)}, {}), config
    )
    async with httpx.AsyncClient(base_url=running.url, headers=HEADERS) as client:
        in_flight = asyncio.create_task(client.post("/task/slow", json={"input": 1}))
        await asyncio.wait_for(gate.entered.wait(), 5)
        with caplog.at_level(logging.WARNING, logger="runner_gen.exposure"):
            await asyncio.wait_for(running.stop(), 5)  # long before the task would ever end
        response = await asyncio.wait_for(in_flight, 5)
    assert response.status_code == 503
    assert response.json()["error"] == {
        "message": "Request cancelled: the server is shutting down",
        "code": "UNAVAILABLE",
    }
    assert [r.event for r in caplog.records] == ["exposure.drain.exceeded"]  # type: ignore[attr-defined]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_event_still_emitting_after_the_drain_budget_is_cut_with_503() -> None:
    from runner_gen.runtime.exposure import EventRoute

    gate = Gate()
    config = ExposureConfig(tokens=(TOKEN,), drain_budget=0.1)
    app = ExposureApp(config, {}, {"slow": EventRoute(id="slow", emit=gate)})
    running = await serve_exposure(app, config)
    async with httpx.AsyncClient(base_url=running.url, headers=HEADERS) as client:
        in_flight = asyncio.create_task(client.post("/event/slow", json={"payload": 1}))
        await asyncio.wait_for(gate.entered.wait(), 5)
        await asyncio.wait_for(running.stop(), 5)
        response = await asyncio.wait_for(in_flight, 5)
    assert response.status_code == 503


async def test_a_body_still_trickling_in_after_the_drain_budget_is_cut_with_503() -> None:
    task = Recorder()
    config = ExposureConfig(tokens=(TOKEN,), drain_budget=0.1)
    running = await serve_exposure(
        ExposureApp(config, {"t": TaskRoute(id="t", call=task)}, {}), config
    )
    async with raw_connection(running.port) as (reader, writer):
        writer.write(post_head("/__runner/task/t", "content-length: 50") + b'{"input":')
        await writer.drain()
        await asyncio.sleep(0.05)  # the request is in flight, waiting for the rest of its body
        await asyncio.wait_for(running.stop(), 5)
        response = await read_response(reader)
    assert response.status == 503
    assert task.calls == []


async def test_stop_is_idempotent_and_concurrent_calls_share_one_shutdown() -> None:
    config = ExposureConfig(tokens=(TOKEN,))
    running = await serve_exposure(ExposureApp(config, {}, {}), config)
    await asyncio.wait_for(asyncio.gather(running.stop(), running.stop()), 5)
    await asyncio.wait_for(running.stop(), 5)
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", running.port)


async def test_a_cancelled_caller_of_stop_does_not_abort_the_shutdown() -> None:
    gate = Gate()
    config = ExposureConfig(tokens=(TOKEN,), drain_budget=10)
    running = await serve_exposure(
        ExposureApp(config, {"slow": TaskRoute(id="slow", call=gate)}, {}), config
    )
    async with httpx.AsyncClient(base_url=running.url, headers=HEADERS) as client:
        in_flight = asyncio.create_task(client.post("/task/slow", json={"input": 1}))
        await asyncio.wait_for(gate.entered.wait(), 5)
        impatient = asyncio.create_task(running.stop())
        await asyncio.sleep(0.05)
        impatient.cancel()
        gate.release.set()
        assert (await asyncio.wait_for(in_flight, 5)).status_code == 200
        await asyncio.wait_for(running.stop(), 5)


def test_ipv6_urls_use_brackets() -> None:
    async def scenario() -> str:
        config = ExposureConfig(tokens=(TOKEN,), host="::1")
        running = await serve_exposure(ExposureApp(config, {}, {}), config)
        try:
            return running.url
        finally:
            await running.stop()

    try:
        url = asyncio.run(scenario())
    except ExposureStartError:
        pytest.skip("no IPv6 loopback on this machine")
    assert url.startswith("http://[::1]:")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"body_limit": 0}, "body_limit"),
        ({"drain_budget": -1}, "drain_budget"),
        ({"body_timeout": 0}, "body_timeout"),
        ({"header": ""}, "header"),
        ({"header": " x-token"}, "header"),
    ],
)
def test_config_rejects_values_that_would_break_the_server(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ExposureConfig(**options)


def test_without_uvicorn_the_app_imports_and_serving_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib
    import sys

    import runner_gen.runtime.exposure as exposure

    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if the extra were not installed
    monkeypatch.delitem(sys.modules, "runner_gen.runtime.exposure.server")
    assert exposure.ExposureApp is not None
    with pytest.raises(ImportError, match=r"pip install 'runner-gen\[serve\]'"):
        importlib.import_module("runner_gen.runtime.exposure.server")


def test_the_package_has_no_other_lazy_names() -> None:
    import runner_gen.runtime.exposure as exposure

    with pytest.raises(AttributeError, match="no attribute 'serve'"):
        _ = exposure.serve
