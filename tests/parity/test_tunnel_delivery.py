"""Event tunnels: Runner's delivery modes and the remote's payload, over real HTTP.

Runner file (tag 5.5.0): src/__tests__/tunnel/delivery.modes.test.ts. Runner's test tunnels are
stubs whose ``emit`` returns a new payload; here the remote is a second generated app served
by uvicorn, whose hooks change the payload, and the client asks for it (``return_payload``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import cast

import pytest

from runner_gen import emit_with_result
from runner_gen.runtime.forwarding import REMOTE_FIRST_FALLBACK
from tests.interop.node_runner import NodeRunner, runner_node
from tests.parity.apps import delivery as defs
from tests.parity.apps.delivery import V
from tests.support.build import build_app
from tests.support.log_capture import records_of

__all__ = ["runner_node"]  # the fixture is used by name

server_wiring = build_app("tests.parity.apps.delivery:server")
client_wiring = build_app("tests.parity.apps.delivery:client")

DOWN = "http://127.0.0.1:9/__runner"  # the discard port: nothing listens there


@pytest.fixture
async def server_url(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    defs.reset()
    app = await server_wiring.start()
    url: str = app.resources.exposure.url
    monkeypatch.setenv("DM_URL", url)
    monkeypatch.setenv("DM_FIRST_URL", url)
    try:
        yield url
    finally:
        await app.dispose()
        defs.reset()


def fallbacks(records: list[logging.LogRecord]) -> list[logging.LogRecord]:
    return [r for r in records if r.getMessage() == REMOTE_FIRST_FALLBACK]


async def test_each_delivery_mode_runs_hooks_where_runner_does(
    server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """delivery.modes: "supports mirror, remote-only, local-only and remote-first" (the
    remote-first tunnel's remote is down: it logs Runner's warning and runs the local hooks)."""
    monkeypatch.setenv("DM_FIRST_URL", DOWN)
    with records_of("runner_gen.tunnel") as records:
        async with client_wiring.running() as app:
            await app.events.mirror(V(v=1))
            await app.events.remote_only(V(v=2))
            await app.events.local_only(V(v=3))
            await app.events.remote_first(V(v=4))

    assert defs.CAPTURED == {
        "mirror": [2],  # the mutating hook ran first (order 0)
        "remote-only": [],
        "local-only": [3],
        "remote-first": [4],
    }
    assert defs.SERVER_SEEN == [("dm.events.mirror", 2), ("dm.events.remote_only", 2)]
    [record] = fallbacks(records)
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "Tunnel remote-first delivery failed; falling back to local listeners."
    )
    assert getattr(record, "source_id", None) == "dm.tunnels.remote_first"
    assert getattr(record, "event_id", None) == "dm.events.remote_first"
    assert record.exc_info is not None  # the transport's error, for the operator


async def test_mirror_the_remote_payload_overrides_the_final_emission_payload(
    server_url: str,
) -> None:
    """delivery.modes: "mirror: remote payload overrides final emission payload": local hooks
    first (one adds 1, the next captures 2), then the remote (adds 10): the task's
    ``emit_with_result`` returns 12."""
    async with client_wiring.running() as app:
        out = await app.tasks.emit_mirror(V(v=1))
    assert defs.CAPTURED["mirror"] == [2]
    assert defs.SERVER_SEEN == [("dm.events.mirror", 2)]
    assert out == V(v=12)


async def test_remote_only_the_remote_payload_becomes_the_final_payload(server_url: str) -> None:
    """delivery.modes: "remote-only: remote payload becomes final emission payload"."""
    async with client_wiring.running() as app:
        out = await emit_with_result(app.events.remote_only, V(v=1))
        plain = cast("Callable[[V], Awaitable[object]]", app.events.remote_only)
        assert await plain(V(v=1)) is None  # a plain emit returns nothing, as typed
    assert defs.CAPTURED["remote-only"] == []
    assert out == V(v=100)


async def test_remote_first_the_remote_payload_becomes_the_final_payload_on_success(
    server_url: str,
) -> None:
    """delivery.modes: "remote-first: remote payload becomes final emission payload on
    success" (and the local hooks do not run, nothing is logged)."""
    with records_of("runner_gen.tunnel") as records:
        async with client_wiring.running() as app:
            out = await emit_with_result(app.events.remote_first, V(v=1))
    assert defs.CAPTURED["remote-first"] == []
    assert defs.SERVER_SEEN == [("dm.events.remote_first", 1)]
    assert out == V(v=200)
    assert fallbacks(records) == []


async def test_a_remote_first_fallback_returns_the_local_payload(
    server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When remote-first falls back, the final payload is the one the local hooks saw."""
    monkeypatch.setenv("DM_FIRST_URL", DOWN)
    async with client_wiring.running() as app:
        out = await emit_with_result(app.events.remote_first, V(v=5))
    assert defs.CAPTURED["remote-first"] == [5]
    assert out == V(v=5)


async def test_local_only_returns_the_payload_as_the_local_hooks_left_it(server_url: str) -> None:
    async with client_wiring.running() as app:
        payload = V(v=7)
        assert await emit_with_result(app.events.local_only, payload) is payload
    assert defs.SERVER_SEEN == []


async def test_a_mirror_whose_remote_is_down_fails_the_emission_after_the_local_hooks(
    server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runner's mirror propagates the remote's failure (only remote-first falls back)."""
    from runner_gen.runtime.client import TransportError

    monkeypatch.setenv("DM_URL", DOWN)
    async with client_wiring.running() as app:
        with pytest.raises(TransportError):
            await app.events.mirror(V(v=1))
    assert defs.CAPTURED["mirror"] == [2]


@pytest.mark.service
async def test_runners_own_client_gets_the_final_payload_from_a_generated_exposure(
    server_url: str, runner_node: NodeRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runner 5.5's ``createHttpClient().eventWithResult`` against the generated exposure: the
    payload as the server's hooks left it (generated exposures answered 400 before)."""
    monkeypatch.setenv("BASE_URL", server_url)
    monkeypatch.setenv("RUNNER_TOKEN", defs.TOKEN)
    monkeypatch.setenv("EVENT_ID", "dm.events.mirror")
    monkeypatch.setenv("PAYLOAD", json.dumps({"v": 1}))
    # The exposure serves on this event loop: run node in a thread while it does.
    line = await asyncio.to_thread(runner_node.run_script, "event_with_result.js")
    assert json.loads(line) == {"ok": True, "out": {"v": 11}}
    assert defs.SERVER_SEEN == [("dm.events.mirror", 1)]
