"""Our AsyncTransport / SyncTransport calling a real @bluelibs/runner 5.5 nodeExposure."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from runner_gen.runtime.client import (
    UNDEFINED,
    AsyncTransport,
    DiscoveryResult,
    RemoteError,
    SyncTransport,
)
from runner_gen.runtime.serializer import JsRegExp

from .node_runner import NodeRunner, NodeServer, node_server, runner_node

__all__ = ["runner_node"]  # the fixture is used by name

TOKEN = "interop-s3cret"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EXPOSED_TASKS = {
    "app.tasks.add",
    "app.tasks.echo",
    "app.tasks.nothing",
    "app.tasks.boom",
    "app.tasks.typedFailure",
    "app.tasks.notes",
}


@pytest.fixture(scope="module")
def runner_app(runner_node: NodeRunner) -> Iterator[NodeServer]:
    with node_server(runner_node, "server.js", {"RUNNER_TOKEN": TOKEN}) as server:
        yield server


class OutOfStock(Exception):
    def __init__(self, sku: object) -> None:
        super().__init__(f"out of stock: {sku}")
        self.sku = sku


async def test_task_result_with_a_date_comes_back_as_datetime(runner_app: NodeServer) -> None:
    async with AsyncTransport(runner_app.base_url, token=TOKEN) as remote:
        assert await remote.task("app.tasks.add", {"a": 1, "b": 2}) == {"sum": 3, "at": EPOCH}


async def test_python_values_arrive_as_the_matching_js_types_and_come_back(
    runner_app: NodeServer,
) -> None:
    sent = {
        "at": datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC),
        "tags": {"a"},
        "by_id": {1: "one"},
        "big": 2**60,
        "inf": math.inf,
        "missing": UNDEFINED,
        "pattern": JsRegExp("a+b", "gi"),
        "__type": "user data",
        "plain": [1, "two", None, True, 1.5],
    }
    async with AsyncTransport(runner_app.base_url, token=TOKEN) as remote:
        result = await remote.task("app.tasks.echo", sent)
    assert isinstance(result, dict)
    assert result["types"] == {
        "at": "Date",
        "tags": "Set",
        "by_id": "Map",
        "big": "bigint",
        "inf": "NonFiniteNumber",
        "missing": "undefined",
        "pattern": "RegExp",
        "__type": "string",
        "plain": ["number", "string", "null", "boolean", "number"],
    }
    assert result["input"] == sent


async def test_task_returning_undefined_gives_none(runner_app: NodeServer) -> None:
    async with AsyncTransport(runner_app.base_url, token=TOKEN) as remote:
        assert await remote.task("app.tasks.nothing") is None


@pytest.mark.parametrize("token", [None, "wrong"])
async def test_wrong_or_missing_token_is_unauthorized(
    runner_app: NodeServer, token: str | None
) -> None:
    async with AsyncTransport(runner_app.base_url, token=token) as remote:
        with pytest.raises(RemoteError) as caught:
            await remote.task("app.tasks.add", {"a": 1, "b": 2})
    assert (caught.value.code, caught.value.status) == ("UNAUTHORIZED", 401)


@pytest.mark.parametrize("task_id", ["app.tasks.hidden", "app.tasks.doesNotExist"])
async def test_ids_not_exposed_are_forbidden(runner_app: NodeServer, task_id: str) -> None:
    async with AsyncTransport(runner_app.base_url, token=TOKEN) as remote:
        with pytest.raises(RemoteError) as caught:
            await remote.task(task_id, None)
    assert (caught.value.code, caught.value.status) == ("FORBIDDEN", 403)
    assert caught.value.message == f"Task {task_id} not exposed"


async def test_throwing_task_is_a_sanitized_internal_error(runner_app: NodeServer) -> None:
    async with AsyncTransport(runner_app.base_url, token=TOKEN) as remote:
        with pytest.raises(RemoteError) as caught:
            await remote.task("app.tasks.boom")
    assert (caught.value.code, caught.value.status) == ("INTERNAL_ERROR", 500)
    assert caught.value.message == "Internal Error"
    assert "secret" not in str(caught.value)
    # Runner generates a UUID request id and echoes it: the handle to its exposure.task.error log.
    assert re.fullmatch(r"[0-9a-f-]{36}", caught.value.request_id or "")


async def test_typed_runner_error_maps_to_the_declared_python_class(
    runner_app: NodeServer,
) -> None:
    async with AsyncTransport(runner_app.base_url, token=TOKEN) as remote:
        with pytest.raises(RemoteError) as caught:
            await remote.task("app.tasks.typedFailure", {"sku": "x1"})
    assert caught.value.status == 409
    assert caught.value.error_id == "app.errors.outOfStock"
    assert caught.value.data == {"sku": "x1"}

    errors = {"app.errors.outOfStock": lambda remote: OutOfStock(remote.data["sku"])}
    async with AsyncTransport(runner_app.base_url, token=TOKEN, errors=errors) as remote:
        with pytest.raises(OutOfStock) as typed:
            await remote.task("app.tasks.typedFailure", {"sku": "x2"})
    assert typed.value.sku == "x2"


async def test_event_reaches_the_runner_hook_with_its_payload(runner_app: NodeServer) -> None:
    payload = {"at": EPOCH, "note": "hello"}
    async with AsyncTransport(runner_app.base_url, token=TOKEN) as remote:
        await remote.event("app.events.noted", payload)
        notes = await remote.task("app.tasks.notes")
    assert isinstance(notes, list)
    assert payload in notes


async def test_event_not_exposed_is_forbidden(runner_app: NodeServer) -> None:
    async with AsyncTransport(runner_app.base_url, token=TOKEN) as remote:
        with pytest.raises(RemoteError) as caught:
            await remote.event("app.events.secret", 1)
    assert (caught.value.code, caught.value.status) == ("FORBIDDEN", 403)


async def test_discovery_lists_what_the_server_tunnel_exposes(runner_app: NodeServer) -> None:
    async with AsyncTransport(runner_app.base_url, token=TOKEN) as remote:
        found = await remote.discovery()
    assert isinstance(found, DiscoveryResult)
    assert found.enabled is True
    assert set(found.tasks) == EXPOSED_TASKS
    assert found.events == ("app.events.noted",)


def test_sync_transport_speaks_the_same_protocol(runner_app: NodeServer) -> None:
    with SyncTransport(runner_app.base_url, token=TOKEN) as remote:
        assert remote.task("app.tasks.add", {"a": 20, "b": 22}) == {"sum": 42, "at": EPOCH}
        remote.event("app.events.noted", "from sync")
        assert set(remote.discovery().tasks) == EXPOSED_TASKS
        with pytest.raises(RemoteError) as caught:
            remote.task("app.tasks.boom")
    assert caught.value.code == "INTERNAL_ERROR"
