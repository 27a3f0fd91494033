"""SyncTransport: the same protocol, blocking, against the same real uvicorn server."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from runner_gen.runtime.client import (
    DiscoveryResult,
    RemoteError,
    SyncTransport,
    TransportError,
)

from .stub_server import STALL_SECONDS, TOKEN, RunningStub, serve_stub

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def stub() -> Iterator[RunningStub]:
    with serve_stub() as running:
        yield running


@pytest.fixture
def remote(stub: RunningStub) -> Iterator[SyncTransport]:
    with SyncTransport(stub.base_url, token=TOKEN) as transport:
        yield transport


class OutOfStock(Exception):
    pass


def test_task_returns_the_deserialized_result(remote: SyncTransport) -> None:
    result = remote.task("echo", {"at": EPOCH, "ids": {3}})
    assert isinstance(result, dict)
    assert result["input"] == {"at": EPOCH, "ids": {3}}


def test_event_and_event_with_result(stub: RunningStub, remote: SyncTransport) -> None:
    remote.event("app.events.sync", "hello")
    assert ("app.events.sync", "hello") in stub.state.events
    assert remote.event_with_result("app.events.sync", 2) == {"echoed": 2}


def test_discovery(remote: SyncTransport) -> None:
    assert remote.discovery() == DiscoveryResult(True, ("echo",), ("app.events.note",))


def test_unauthorized_is_a_remote_error(stub: RunningStub) -> None:
    with (
        SyncTransport(stub.base_url, token="nope") as transport,
        pytest.raises(RemoteError) as caught,
    ):
        transport.task("echo", 1)
    assert (caught.value.code, caught.value.status) == ("UNAUTHORIZED", 401)


def test_declared_error_is_raised_as_its_class(stub: RunningStub) -> None:
    errors = {"app.errors.outOfStock": lambda remote: OutOfStock(remote.message)}
    with (
        SyncTransport(stub.base_url, token=TOKEN, errors=errors) as transport,
        pytest.raises(OutOfStock, match="Out of stock"),
    ):
        transport.task("fail.typed")


def test_plain_text_answer_is_a_transport_error(remote: SyncTransport) -> None:
    with pytest.raises(TransportError) as caught:
        remote.task("text400")
    assert (caught.value.code, caught.value.status) == ("HTTP_ERROR", 400)


def test_timeout_is_a_transport_error(stub: RunningStub) -> None:
    started = time.monotonic()
    with (
        SyncTransport(stub.base_url, token=TOKEN, timeout=0.3) as transport,
        pytest.raises(TransportError) as caught,
    ):
        transport.task("stall")
    assert caught.value.code == "TIMEOUT"
    assert time.monotonic() - started < STALL_SECONDS / 2


def test_connection_refused_is_a_transport_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with (
        SyncTransport(f"http://127.0.0.1:{port}") as transport,
        pytest.raises(TransportError) as caught,
    ):
        transport.event("x")
    assert caught.value.code == "CONNECTION_ERROR"


def test_closed_transport_refuses_calls(stub: RunningStub) -> None:
    transport = SyncTransport(stub.base_url, token=TOKEN)
    transport.close()
    with pytest.raises(TransportError) as caught:
        transport.discovery()
    assert caught.value.code == "CLOSED"


def test_shared_client_is_left_open(stub: RunningStub) -> None:
    with httpx.Client() as shared:
        with SyncTransport(stub.base_url, token=TOKEN, http=shared) as transport:
            transport.task("echo", 1)
        assert not shared.is_closed
        assert shared.get(stub.base_url + "/discovery").status_code == 401


def test_runtime_errors_unrelated_to_closing_are_not_disguised(stub: RunningStub) -> None:
    def explode(request: httpx.Request) -> None:
        raise RuntimeError("hook bug")

    with (
        httpx.Client(event_hooks={"request": [explode]}) as shared,
        SyncTransport(stub.base_url, token=TOKEN, http=shared) as transport,
        pytest.raises(RuntimeError, match="hook bug"),
    ):
        transport.task("echo", 1)
