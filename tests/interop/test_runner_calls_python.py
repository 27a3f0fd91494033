"""Runner 5.5's own createHttpClient calling a runner-gen ExposureApp served by real uvicorn."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from runner_gen.runtime.errors import RunnerError
from runner_gen.runtime.exposure import (
    EventRoute,
    ExposureApp,
    ExposureConfig,
    TaskRoute,
    serve_exposure,
)
from runner_gen.runtime.serializer import UNDEFINED, JsRegExp, loads

from .node_runner import NodeRunner, runner_node

__all__ = ["runner_node"]  # the fixture is used by name

TOKEN = "py-s3cret"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class OutOfStock(RunnerError):
    id = "app.errors.outOfStock"
    http_code = 409


@dataclass
class PythonSide:
    inputs: list[object] = field(default_factory=list)
    notes: list[object] = field(default_factory=list)


@dataclass
class Scenario:
    results: dict[str, Any]
    python: PythonSide


async def _add(value: Any) -> object:
    return {"sum": value["a"] + value["b"], "at": EPOCH}


async def _boom(value: Any) -> object:
    raise RuntimeError("secret database detail")


async def _typed(value: Any) -> object:
    raise OutOfStock("Out of stock", data={"sku": value["sku"]})


async def _run_scenario(runner: NodeRunner) -> Scenario:
    python = PythonSide()

    async def echo(value: Any) -> object:
        python.inputs.append(value)
        return value

    async def note(payload: Any) -> None:
        python.notes.append(payload)

    async def never(value: Any) -> object:
        raise AssertionError("a route outside the allow-list was called")

    config = ExposureConfig(tokens=(TOKEN,), public_errors=(OutOfStock,))
    tasks = {
        route.id: route
        for route in (
            TaskRoute("app.tasks.add", _add),
            TaskRoute("app.tasks.echo", echo),
            TaskRoute("app.tasks.boom", _boom),
            TaskRoute("app.tasks.typed", _typed),
        )
    }
    events = {"app.events.noted": EventRoute("app.events.noted", note)}
    running = await serve_exposure(ExposureApp(config, tasks=tasks, events=events), config)
    try:
        process = await asyncio.create_subprocess_exec(
            runner.node,
            "client.js",
            cwd=runner.directory,
            env={**os.environ, "BASE_URL": f"{running.url}", "RUNNER_TOKEN": TOKEN},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        await running.stop()
    assert process.returncode == 0, stderr.decode()
    results = loads(stdout.strip())
    assert isinstance(results, dict)
    return Scenario(results, python)


@pytest.fixture(scope="module")
def scenario(runner_node: NodeRunner) -> Scenario:
    # Its own event loop: the exposure and the node client run once for the whole module.
    return asyncio.run(_run_scenario(runner_node))


def test_result_with_a_date_reaches_runner_as_a_date(scenario: Scenario) -> None:
    add = scenario.results["add"]
    assert add["ok"] is True
    assert add["value"] == {"sum": 3, "at": EPOCH}
    assert add["types"] == {"sum": "number", "at": "Date"}


def test_js_values_arrive_as_python_values_and_go_back_as_the_same_js_types(
    scenario: Scenario,
) -> None:
    assert scenario.python.inputs[0] == {
        "at": datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC),
        "ids": {1: "one"},
        "tags": {"a"},
        "big": 2**60,
        "negInf": float("-inf"),
        "missing": UNDEFINED,
        "pattern": JsRegExp("x+", "g"),
        "__type": "user data",
    }
    echo = scenario.results["echo"]
    assert echo["types"] == {
        "at": "Date",
        "ids": "Map",
        "tags": "Set",
        "big": "bigint",
        "negInf": "NonFiniteNumber",
        "missing": "undefined",
        "pattern": "RegExp",
        "__type": "string",
    }


def test_task_called_without_input_receives_undefined(scenario: Scenario) -> None:
    assert scenario.python.inputs[1] is UNDEFINED
    assert scenario.results["noInput"]["types"] == "undefined"


def test_python_exception_reaches_runner_as_a_sanitized_internal_error(
    scenario: Scenario,
) -> None:
    error = scenario.results["boom"]["error"]
    assert (error["name"], error["code"], error["httpCode"]) == (
        "TunnelError",
        "INTERNAL_ERROR",
        None,
    )
    assert error["message"] == "Internal Error"


def test_public_typed_error_reaches_runner_with_id_data_and_status(scenario: Scenario) -> None:
    error = scenario.results["typed"]["error"]
    assert error["id"] == "app.errors.outOfStock"
    assert error["data"] == {"sku": "x1"}
    assert error["httpCode"] == 409
    assert error["message"] == "Out of stock"


def test_unexposed_task_is_forbidden_to_runner(scenario: Scenario) -> None:
    error = scenario.results["hidden"]["error"]
    assert error["code"] == "FORBIDDEN"


def test_wrong_token_is_unauthorized_for_runner(scenario: Scenario) -> None:
    assert scenario.results["unauthorized"]["error"]["code"] == "UNAUTHORIZED"


def test_runner_event_reaches_the_python_handler(scenario: Scenario) -> None:
    assert scenario.results["event"]["ok"] is True
    assert scenario.python.notes == [{"at": EPOCH, "note": "from node"}]
    assert scenario.results["eventNotExposed"]["error"]["code"] == "FORBIDDEN"
