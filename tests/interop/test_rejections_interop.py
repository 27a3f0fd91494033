"""Built-in rejections cross the wire both ways with Runner 5.5: same ids, rebuilt as typed errors.

- Runner's ``createHttpClient`` (with Runner's own error helpers as its ``errorRegistry``)
  calling a runner-gen exposure gets Runner's ``RunnerError`` with the same id and message.
- Our transport calling a Runner ``nodeExposure`` gets the runtime's own rejection classes.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from runner_gen.runtime.client import AsyncTransport
from runner_gen.runtime.errors import Rejection
from runner_gen.runtime.exposure import ExposureApp, ExposureConfig, TaskRoute, serve_exposure
from runner_gen.runtime.middleware import (
    CircuitOpenError,
    ContextRequiredError,
    RateLimitExceededError,
    TaskTimeoutError,
)

from .node_runner import NodeRunner, NodeServer, node_server, runner_node

__all__ = ["runner_node"]  # the fixture is used by name

TOKEN = "interop-s3cret"

REFUSALS: dict[str, Rejection] = {
    "app.tasks.limited": RateLimitExceededError(
        key="app.tasks.limited", limit=1, reset_at=0.0, retry_after=42.0
    ),
    "app.tasks.open": CircuitOpenError("app.tasks.open", 30.0),
    "app.tasks.slow": TaskTimeoutError(20, task_id="app.tasks.slow", deadline=0.0),
    "app.tasks.contextual": ContextRequiredError("the user context is missing"),
}


async def _node_calls_python(runner: NodeRunner) -> dict[str, Any]:
    def refusing(task_id: str, error: Rejection) -> TaskRoute:
        async def run(value: Any) -> object:
            raise error

        return TaskRoute(task_id, run)

    routes = {task_id: refusing(task_id, error) for task_id, error in REFUSALS.items()}
    config = ExposureConfig(tokens=(TOKEN,))
    running = await serve_exposure(ExposureApp(config, tasks=routes, events={}), config)
    try:
        process = await asyncio.create_subprocess_exec(
            runner.node,
            "rejections_client.js",
            cwd=runner.directory,
            env={
                **os.environ,
                "BASE_URL": running.url,
                "RUNNER_TOKEN": TOKEN,
                "TASKS": ",".join(REFUSALS),
            },
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        await running.stop()
    assert process.returncode == 0, stderr.decode()
    results: dict[str, Any] = json.loads(stdout)
    return results


def test_runner_rebuilds_our_rejections_as_its_own_typed_errors(runner_node: NodeRunner) -> None:
    results = asyncio.run(_node_calls_python(runner_node))

    for task_id, error in REFUSALS.items():
        seen = results[task_id]
        assert seen["rebuilt"] is True, seen  # a RunnerError from the registry, not TunnelError
        assert seen["name"] == error.id
        assert seen["data"]["message"] == error.message
        assert seen["message"].startswith(error.message)  # Runner appends its remediation


@pytest.fixture(scope="module")
def runner_rejections(runner_node: NodeRunner) -> Iterator[NodeServer]:
    with node_server(runner_node, "rejections_server.js", {"RUNNER_TOKEN": TOKEN}) as server:
        yield server


async def test_runners_rate_limit_is_our_rate_limit_error(runner_rejections: NodeServer) -> None:
    async with AsyncTransport(runner_rejections.base_url, token=TOKEN) as transport:
        assert await transport.task("app.tasks.limited") == "ok"
        with pytest.raises(RateLimitExceededError) as caught:
            await transport.task("app.tasks.limited")
    assert caught.value.message.startswith("Rate limit exceeded. Try again after ")
    assert caught.value.retry_after is None  # Runner 5.5 sends neither Retry-After nor seconds
    assert getattr(caught.value.__cause__, "status", None) == 429


async def test_runners_open_circuit_is_our_circuit_open_error(
    runner_rejections: NodeServer,
) -> None:
    async with AsyncTransport(runner_rejections.base_url, token=TOKEN) as transport:
        with pytest.raises(Exception, match="Internal Error"):
            await transport.task("app.tasks.fragile")  # trips the breaker: a plain 500
        with pytest.raises(CircuitOpenError) as caught:
            await transport.task("app.tasks.fragile")
    assert caught.value.message == 'Circuit is OPEN for task "app.tasks.fragile"'
    assert getattr(caught.value.__cause__, "status", None) == 503


async def test_runners_timeout_is_our_timeout_error(runner_rejections: NodeServer) -> None:
    async with AsyncTransport(runner_rejections.base_url, token=TOKEN) as transport:
        with pytest.raises(TaskTimeoutError) as caught:
            await transport.task("app.tasks.slow")
    assert caught.value.message == "Operation timed out after 20ms"
    assert caught.value.ttl_ms is None  # Runner sends only the message
    assert getattr(caught.value.__cause__, "status", None) == 408  # Runner's code; ours is 504
