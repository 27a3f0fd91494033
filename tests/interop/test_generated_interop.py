"""Generated code against the real @bluelibs/runner 5.5: Runner's client calling a generated
exposure, and generated phantom tasks calling a Node Runner service through a client tunnel."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from runner_gen.runtime.client import RemoteError
from runner_gen.runtime.serializer import UNDEFINED, loads
from tests.fixtures.remote import node_facing
from tests.fixtures.remote.node_tunnel import Note, Pair
from tests.support.build import build_app

from .node_runner import NodeRunner, NodeServer, node_server, runner_node

__all__ = ["runner_node"]

TOKEN = "interop-generated"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


async def _run_node_client(runner: NodeRunner) -> dict[str, Any]:
    wiring = build_app("tests.fixtures.remote.node_facing:app")
    node_facing.INPUTS.clear()
    node_facing.NOTES.clear()
    os.environ["PY_TOKEN"] = TOKEN
    try:
        app = await wiring.start()
    finally:
        del os.environ["PY_TOKEN"]
    try:
        process = await asyncio.create_subprocess_exec(
            runner.node,
            "client.js",
            cwd=runner.directory,
            env={**os.environ, "BASE_URL": app.resources.exposure.url, "RUNNER_TOKEN": TOKEN},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        await app.dispose()
    assert process.returncode == 0, stderr.decode()
    results = loads(stdout.strip())
    assert isinstance(results, dict)
    return results


@pytest.fixture(scope="module")
def runner_results(runner_node: NodeRunner) -> dict[str, Any]:
    return asyncio.run(_run_node_client(runner_node))


def test_runner_client_gets_a_date_from_the_generated_exposure(
    runner_results: dict[str, Any],
) -> None:
    add = runner_results["add"]
    assert add["value"] == {"sum": 3, "at": EPOCH}
    assert add["types"] == {"sum": "number", "at": "Date"}


def test_runner_values_reach_the_generated_task_and_return_intact(
    runner_results: dict[str, Any],
) -> None:
    assert node_facing.INPUTS[0]["at"] == datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)
    assert runner_results["echo"]["types"]["ids"] == "Map"
    assert runner_results["echo"]["types"]["big"] == "bigint"
    assert node_facing.INPUTS[1] is UNDEFINED  # called without input


def test_error_envelopes_match_what_runner_expects(runner_results: dict[str, Any]) -> None:
    boom = runner_results["boom"]["error"]
    assert (boom["code"], boom["message"]) == ("INTERNAL_ERROR", "Internal Error")
    typed = runner_results["typed"]["error"]
    assert (typed["id"], typed["httpCode"], typed["data"]) == (
        "app.errors.outOfStock",
        409,
        {"sku": "x1"},
    )
    assert runner_results["hidden"]["error"]["code"] == "FORBIDDEN"
    assert runner_results["unauthorized"]["error"]["code"] == "UNAUTHORIZED"
    assert runner_results["eventNotExposed"]["error"]["code"] == "FORBIDDEN"


def test_runner_events_reach_generated_hooks(runner_results: dict[str, Any]) -> None:
    assert runner_results["event"]["ok"] is True
    assert node_facing.NOTES == [{"at": EPOCH, "note": "from node"}]


@pytest.fixture(scope="module")
def node_app(runner_node: NodeRunner) -> Iterator[NodeServer]:
    with node_server(runner_node, "server.js", {"RUNNER_TOKEN": TOKEN}) as server:
        yield server


async def test_phantom_tasks_run_in_node_runner(
    node_app: NodeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    wiring = build_app("tests.fixtures.remote.node_tunnel:app")
    monkeypatch.setenv("NODE_URL", node_app.base_url)
    monkeypatch.setenv("NODE_TOKEN", TOKEN)
    async with wiring.running() as app:
        result = await app.tasks.add(Pair(a=2, b=3))
        assert (result.sum, result.at) == (5, EPOCH)
        at = datetime(2024, 1, 1, 12, tzinfo=UTC)
        await app.events.noted(Note(note="from python", at=at))
        assert {"note": "from python", "at": at} in await app.tasks.notes()


async def test_a_wrong_token_to_node_is_unauthorized(
    node_app: NodeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    wiring = build_app("tests.fixtures.remote.node_tunnel:app")
    monkeypatch.setenv("NODE_URL", node_app.base_url)
    monkeypatch.setenv("NODE_TOKEN", "wrong")
    async with wiring.running() as app:
        with pytest.raises(RemoteError) as caught:
            await app.tasks.add(Pair(a=1, b=1))
    assert (caught.value.status, caught.value.code) == (401, "UNAUTHORIZED")
