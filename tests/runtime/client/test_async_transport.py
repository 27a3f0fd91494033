"""AsyncTransport against a real uvicorn server: results, remote errors, broken answers, faults."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from runner_gen.runtime.client import (
    UNDEFINED,
    AsyncTransport,
    DiscoveryResult,
    RemoteError,
    TransportError,
)
from runner_gen.runtime.errors import RunnerError
from runner_gen.runtime.serializer import SerializerError

from .stub_server import REQUEST_ID, STALL_SECONDS, TOKEN, RunningStub, serve_stub

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def stub() -> Iterator[RunningStub]:
    with serve_stub() as running:
        yield running


def transport(stub: RunningStub, **options: object) -> AsyncTransport:
    options.setdefault("token", TOKEN)
    return AsyncTransport(stub.base_url, **options)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class OutOfStock(Exception):
    def __init__(self, data: object) -> None:
        super().__init__(f"out of stock: {data}")
        self.data = data


# ------------------------------------------------------------------------------------ success


async def test_task_round_trips_rich_values(stub: RunningStub) -> None:
    value = {"at": EPOCH, "big": 2**60, "tags": {"a"}, "by_id": {1: "one"}}
    async with transport(stub) as remote:
        result = await remote.task("echo", value)
    assert isinstance(result, dict)
    assert result["input"] == value
    assert result["raw_path"] == "/__runner/task/echo"
    assert result["content_type"] == "application/json; charset=utf-8"


async def test_task_id_is_one_encoded_path_segment(stub: RunningStub) -> None:
    async with transport(stub) as remote:
        result = await remote.task("app/tasks?x y#z", 1)
    assert isinstance(result, dict)
    assert result["raw_path"] == "/__runner/task/app%2Ftasks%3Fx%20y%23z"
    assert result["id"] == "app/tasks?x y#z"


async def test_task_without_input_sends_undefined_and_none_sends_null(stub: RunningStub) -> None:
    async with transport(stub) as remote:
        without = await remote.task("echo")
        with_none = await remote.task("echo", None)
    assert isinstance(without, dict)
    assert isinstance(with_none, dict)
    assert without["input"] is UNDEFINED
    assert with_none["input"] is None


@pytest.mark.parametrize("task_id", ["undefined", "noresult"])
async def test_undefined_or_missing_result_is_none(stub: RunningStub, task_id: str) -> None:
    async with transport(stub) as remote:
        assert await remote.task(task_id) is None


async def test_base_url_trailing_slash_is_ignored(stub: RunningStub) -> None:
    async with AsyncTransport(stub.base_url + "/", token=TOKEN) as remote:
        result = await remote.task("echo", 1)
    assert isinstance(result, dict)
    assert result["raw_path"] == "/__runner/task/echo"


async def test_token_goes_in_the_configured_header(stub: RunningStub) -> None:
    async with transport(stub, header="X-Api-Key") as remote:
        result = await remote.task("echo", 1)
    assert isinstance(result, dict)
    assert result["auth_headers"] == ["x-api-key"]


async def test_event_is_delivered_with_its_payload(stub: RunningStub) -> None:
    async with transport(stub) as remote:
        await remote.event("app.events.note", {"at": EPOCH})
    assert ("app.events.note", {"at": EPOCH}) in stub.state.events


async def test_event_with_result_returns_the_final_payload(stub: RunningStub) -> None:
    async with transport(stub) as remote:
        assert await remote.event_with_result("app.events.note", [1]) == {"echoed": [1]}


async def test_discovery_lists_exposed_ids(stub: RunningStub) -> None:
    async with transport(stub) as remote:
        found = await remote.discovery()
    assert found == DiscoveryResult(enabled=True, tasks=("echo",), events=("app.events.note",))


# ------------------------------------------------------------------------------------ remote errors


@pytest.mark.parametrize("token", [None, "wrong"])
async def test_bad_or_missing_token_is_unauthorized(stub: RunningStub, token: str | None) -> None:
    async with AsyncTransport(stub.base_url, token=token) as remote:
        with pytest.raises(RemoteError) as caught:
            await remote.task("echo", 1)
    assert caught.value.code == "UNAUTHORIZED"
    assert caught.value.status == 401
    assert caught.value.message == "Unauthorized"


async def test_task_failure_is_a_remote_error_with_the_envelope_fields(stub: RunningStub) -> None:
    async with transport(stub) as remote:
        with pytest.raises(RemoteError) as caught:
            await remote.task("fail.plain")
    error = caught.value
    assert (error.code, error.status, error.message) == ("INTERNAL_ERROR", 500, "Internal Error")
    assert error.error_id is None
    assert error.request_id == REQUEST_ID.decode()
    assert isinstance(error, RunnerError)
    assert error.id == "runner.errors.tunnel_remote"


async def test_typed_remote_error_carries_id_and_data(stub: RunningStub) -> None:
    async with transport(stub) as remote:
        with pytest.raises(RemoteError) as caught:
            await remote.task("fail.typed")
    assert caught.value.status == 409
    assert caught.value.error_id == "app.errors.outOfStock"
    assert caught.value.data == {"sku": "x1"}


async def test_declared_error_ids_are_raised_as_their_own_class(stub: RunningStub) -> None:
    errors = {"app.errors.outOfStock": lambda remote: OutOfStock(remote.data)}
    async with transport(stub, errors=errors) as remote:
        with pytest.raises(OutOfStock) as caught:
            await remote.task("fail.typed")
    assert caught.value.data == {"sku": "x1"}
    assert isinstance(caught.value.__cause__, RemoteError)


async def test_undeclared_error_ids_stay_remote_errors(stub: RunningStub) -> None:
    errors = {"app.errors.other": lambda remote: OutOfStock(remote.data)}
    async with transport(stub, errors=errors) as remote:
        with pytest.raises(RemoteError):
            await remote.task("fail.typed")
        with pytest.raises(RemoteError):
            await remote.task("fail.plain")


@pytest.mark.parametrize(
    ("task_id", "message"),
    [("fail.no_code", "Remote error"), ("fail.string", "boom"), ("fail.none", "Remote error")],
)
async def test_malformed_error_envelopes_are_unknown_remote_errors(
    stub: RunningStub, task_id: str, message: str
) -> None:
    async with transport(stub) as remote:
        with pytest.raises(RemoteError) as caught:
            await remote.task(task_id)
    assert caught.value.code == "UNKNOWN"
    assert caught.value.message == message
    assert caught.value.status == 500


# ------------------------------------------------------------------------------- broken answers


@pytest.mark.parametrize(
    ("task_id", "code", "status"),
    [
        ("text400", "HTTP_ERROR", 400),
        ("empty500", "HTTP_ERROR", 500),
        ("empty200", "INVALID_RESPONSE", 200),
        ("html200", "INVALID_RESPONSE", 200),
        ("array200", "INVALID_RESPONSE", 200),
        ("okstring", "INVALID_RESPONSE", 200),
    ],
)
async def test_answers_that_are_not_envelopes_are_transport_errors(
    stub: RunningStub, task_id: str, code: str, status: int
) -> None:
    async with transport(stub) as remote:
        with pytest.raises(TransportError) as caught:
            await remote.task(task_id)
    assert caught.value.code == code
    assert caught.value.status == status
    assert caught.value.url.endswith(f"/task/{task_id}")


async def test_plain_text_error_body_is_kept_for_diagnosis(stub: RunningStub) -> None:
    async with transport(stub) as remote:
        with pytest.raises(TransportError) as caught:
            await remote.task("text400")
    assert caught.value.body_preview == b"Invalid HTTP request received."
    assert caught.value.request_id == REQUEST_ID.decode()


async def test_request_id_is_none_when_the_server_sends_none(stub: RunningStub) -> None:
    async with transport(stub) as remote:
        with pytest.raises(TransportError) as caught:
            await remote.task("empty500")
    assert caught.value.request_id is None


async def test_redirects_are_not_followed_so_the_token_never_leaves(stub: RunningStub) -> None:
    async with transport(stub) as remote:
        with pytest.raises(TransportError) as caught:
            await remote.task("redirect")
    assert (caught.value.code, caught.value.status) == ("HTTP_ERROR", 307)


@pytest.mark.parametrize("prefix", ["/broken", "/nolist"])
async def test_discovery_without_a_valid_allow_list_is_a_transport_error(
    stub: RunningStub, prefix: str
) -> None:
    async with AsyncTransport(stub.origin + prefix, token=TOKEN) as remote:
        with pytest.raises(TransportError) as caught:
            await remote.discovery()
    assert caught.value.code == "INVALID_RESPONSE"


async def test_discovery_needs_auth(stub: RunningStub) -> None:
    async with AsyncTransport(stub.base_url) as remote:
        with pytest.raises(RemoteError) as caught:
            await remote.discovery()
    assert caught.value.code == "UNAUTHORIZED"


# ------------------------------------------------------------------------------------ faults


async def test_connection_refused_is_a_transport_error() -> None:
    async with AsyncTransport(f"http://127.0.0.1:{free_port()}/__runner") as remote:
        with pytest.raises(TransportError) as caught:
            await remote.task("echo", 1)
    assert caught.value.code == "CONNECTION_ERROR"
    assert caught.value.status is None
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


async def test_unsupported_scheme_is_a_transport_error() -> None:
    async with AsyncTransport("ftp://127.0.0.1/__runner") as remote:
        with pytest.raises(TransportError) as caught:
            await remote.task("echo", 1)
    assert caught.value.code == "CONNECTION_ERROR"


async def test_slow_server_times_out_long_before_it_answers(stub: RunningStub) -> None:
    started = time.monotonic()
    async with transport(stub, timeout=0.3) as remote:
        with pytest.raises(TransportError) as caught:
            await remote.task("stall")
    assert caught.value.code == "TIMEOUT"
    assert time.monotonic() - started < STALL_SECONDS / 2


async def test_cancelled_call_propagates_and_the_transport_stays_usable(
    stub: RunningStub,
) -> None:
    async with transport(stub) as remote:
        call = asyncio.create_task(remote.task("stall"))
        await asyncio.sleep(0.2)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        result = await remote.task("echo", 7)
    assert isinstance(result, dict)
    assert result["input"] == 7


async def test_unserializable_input_fails_before_any_request(stub: RunningStub) -> None:
    before = stub.state.request_count
    async with transport(stub) as remote:
        with pytest.raises(SerializerError):
            await remote.task("echo", object())
    assert stub.state.request_count == before


async def test_calls_after_close_are_transport_errors(stub: RunningStub) -> None:
    remote = transport(stub)
    await remote.aclose()
    with pytest.raises(TransportError) as caught:
        await remote.task("echo", 1)
    assert caught.value.code == "CLOSED"


async def test_shared_http_client_is_used_and_left_open(stub: RunningStub) -> None:
    seen: list[str] = []

    async def record(request: httpx.Request) -> None:
        seen.append(str(request.url))

    async with httpx.AsyncClient(event_hooks={"request": [record]}) as shared:
        async with transport(stub, http=shared) as remote:
            await remote.task("echo", 1)
        assert not shared.is_closed
        response = await shared.get(stub.base_url + "/discovery")
        assert response.status_code == 401
    assert seen == [stub.base_url + "/task/echo", stub.base_url + "/discovery"]


async def test_runtime_errors_unrelated_to_closing_are_not_disguised(stub: RunningStub) -> None:
    async def explode(request: httpx.Request) -> None:
        raise RuntimeError("hook bug")

    async with (
        httpx.AsyncClient(event_hooks={"request": [explode]}) as shared,
        transport(stub, http=shared) as remote,
    ):
        with pytest.raises(RuntimeError, match="hook bug"):
            await remote.task("echo", 1)
