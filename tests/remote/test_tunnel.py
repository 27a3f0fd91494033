"""A client tunnel: phantom tasks and a forwarded event run in the other app, over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fixtures.remote import server as server_defs
from tests.fixtures.remote.models import AddInput
from tests.support.build import build_app

server_wiring = build_app("tests.fixtures.remote.server:app")
client_wiring = build_app("tests.fixtures.remote.client_app:app")


@pytest.fixture
async def server_url(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    server_defs.NOTES.clear()
    app = await server_wiring.start()
    monkeypatch.setenv("SRV_URL", app.resources.exposure.url)
    try:
        yield app.resources.exposure.url
    finally:
        await app.dispose()


async def test_phantom_tasks_and_forwarded_events_run_remotely(server_url: str) -> None:
    async with client_wiring.running() as app:
        assert await app.tasks.doubled(AddInput(a=2, b=5)) == 14
        assert await app.tasks.ping() == "pong"
        assert (await app.tasks.add(AddInput(a=1, b=1))).total == 2
    assert server_defs.NOTES == ["added 2+5"]


async def test_a_tunnel_to_a_service_that_is_down_fails_the_call_not_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from runner_gen.runtime.client import TransportError

    monkeypatch.setenv("SRV_URL", "http://127.0.0.1:9/__runner")
    async with client_wiring.running() as app:
        with pytest.raises(TransportError):
            await app.tasks.ping()
