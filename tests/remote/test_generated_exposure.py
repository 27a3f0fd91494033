"""The generated exposure and client, served by a real uvicorn and called over real httpx."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from runner_gen.runtime.client import RemoteError
from runner_gen.runtime.exposure import RunningExposure
from tests.fixtures.remote import server as defs
from tests.fixtures.remote.models import AddInput, Note, Sum
from tests.support.build import build_app, generate_files

SERVER = "tests.fixtures.remote.server:app"
wiring = build_app(SERVER)
client_module: Any = importlib.import_module(wiring.__name__.replace(".wiring", ".client"))


@pytest.fixture
async def exposure() -> AsyncIterator[RunningExposure]:
    defs.NOTES.clear()
    app = await wiring.start()
    try:
        yield app.resources.exposure
    finally:
        await app.dispose()


async def test_typed_client_round_trips_models_and_dates(exposure: RunningExposure) -> None:
    async with client_module.AsyncClient(exposure.url, token="s3cret") as client:
        result = await client.add(AddInput(a=2, b=3))
    assert result == Sum(total=5, at=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC))


async def test_tasks_without_input_and_events(exposure: RunningExposure) -> None:
    async with client_module.AsyncClient(exposure.url, token="s3cret") as client:
        assert await client.ping() == "pong"
        await client.emit_noted(Note(text="hello"))
        discovery = await client.discovery()
    assert defs.NOTES == ["hello"]
    assert set(discovery.tasks) == {
        "srv.tasks.add",
        "srv.tasks.find",
        "srv.tasks.ping",
        "srv.tasks.crash",
    }
    assert list(discovery.events) == ["srv.events.noted"]


async def test_a_remote_typed_error_is_reraised_as_the_declared_class(
    exposure: RunningExposure,
) -> None:
    async with client_module.AsyncClient(exposure.url, token="s3cret") as client:
        assert await client.find("known") == "found"
        with pytest.raises(defs.missing.error_class) as caught:
            await client.find("gone")
    assert caught.value.data.what == "gone"
    assert caught.value.http_code == 404


async def test_unexpected_errors_are_a_generic_500(exposure: RunningExposure) -> None:
    async with client_module.AsyncClient(exposure.url, token="s3cret") as client:
        with pytest.raises(RemoteError) as caught:
            await client.crash(1)
    assert caught.value.status == 500
    assert caught.value.code == "INTERNAL_ERROR"
    assert "secret internal detail" not in str(caught.value)


async def test_only_allowed_ids_are_served_and_hidden_looks_unknown(
    exposure: RunningExposure,
) -> None:
    headers = {"x-runner-token": "s3cret"}
    async with httpx.AsyncClient(base_url=exposure.url, headers=headers) as http:
        hidden = await http.post("/task/srv.internal.hidden", json={})
        unknown = await http.post("/task/srv.nope", json={})
    assert hidden.status_code == unknown.status_code == 403
    assert hidden.json()["error"]["code"] == unknown.json()["error"]["code"] == "FORBIDDEN"


async def test_invalid_input_is_a_400_with_the_validation_errors(exposure: RunningExposure) -> None:
    headers = {"x-runner-token": "s3cret"}
    async with httpx.AsyncClient(base_url=exposure.url, headers=headers) as http:
        response = await http.post("/task/srv.tasks.add", json={"input": {"a": "x"}})
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "INVALID_INPUT"
    assert "x" not in str(body["error"].get("details", ""))  # values are never echoed


async def test_a_wrong_token_is_401(exposure: RunningExposure) -> None:
    async with client_module.AsyncClient(exposure.url, token="wrong") as client:
        with pytest.raises(RemoteError) as caught:
            await client.ping()
    assert caught.value.status == 401


async def test_the_sync_client_works_from_a_thread(exposure: RunningExposure) -> None:
    def call() -> Sum:
        with client_module.SyncClient(exposure.url, token="s3cret") as client:
            result: Sum = client.add(AddInput(a=1, b=1))
            return result

    assert (await asyncio.to_thread(call)).total == 2


async def test_dispose_stops_the_server() -> None:
    app = await wiring.start()
    url = app.resources.exposure.url
    await app.dispose()
    async with client_module.AsyncClient(url, token="s3cret") as client:
        with pytest.raises(Exception, match=r"(?i)connect"):
            await client.ping()


def test_a_valid_exposure_builds_without_warnings() -> None:
    assert generate_files(SERVER).warnings == ()


async def test_health_and_metrics_need_the_token_ready_does_not_and_nothing_leaks(
    exposure: RunningExposure,
) -> None:
    root = exposure.url.removesuffix("/__runner")
    async with client_module.AsyncClient(exposure.url, token="s3cret") as client:
        await client.ping()
    async with httpx.AsyncClient(base_url=root) as stranger:
        assert (await stranger.get("/health")).status_code == 401
        metrics_refused = await stranger.get("/metrics")
        assert metrics_refused.status_code == 401
        assert "srv." not in metrics_refused.text
        assert (await stranger.get("/ready")).json() == {"ready": True}
    async with httpx.AsyncClient(base_url=root, headers={"x-runner-token": "s3cret"}) as http:
        health = await http.get("/health")
        assert (health.status_code, health.json()) == (200, {"status": "healthy"})
        metrics = (await http.get("/metrics")).text
        assert 'runner_task_calls_total{task_id="srv.tasks.ping",outcome="ok"} 1' in metrics
        # A task outside the allow-list is as invisible here as in a 403.
        assert "srv.internal.hidden" not in metrics
        assert (await http.post("/health")).status_code == 405
        defs.HEALTH["status"] = "down"
        try:
            # Health results are reused for a second: poll until the cached answer expires.
            unhealthy = await http.get("/health")
            deadline = asyncio.get_running_loop().time() + 10
            while unhealthy.status_code == 200 and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.05)
                unhealthy = await http.get("/health")
        finally:
            defs.HEALTH["status"] = "healthy"
    assert (unhealthy.status_code, unhealthy.json()) == (503, {"status": "unhealthy"})
    assert "secret detail" not in unhealthy.text
