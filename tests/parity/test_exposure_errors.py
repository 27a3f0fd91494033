"""Typed errors over HTTP, byte for byte against a real Runner 5.5 exposure.

Runner files (tag 5.5.0): src/node/__tests__/exposure/handlers/requestHandlers.tasks.unit
.test.ts ("includes id and data for known application errors") and
src/__tests__/definers/error.builder.test.ts (remediation is part of the message).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.interop.node_runner import NodeRunner, runner_node
from tests.support.build import build_app

__all__ = ["runner_node"]  # the fixture is used by name

wiring = build_app("tests.parity.apps.exposed_errors:app")


@pytest.fixture(scope="module")
def runner_envelopes(runner_node: NodeRunner) -> dict[str, dict[str, Any]]:
    lines = runner_node.run_script("errors.js").splitlines()
    return {entry["case"]: entry for entry in map(json.loads, lines)}


async def python_envelope(input: int) -> tuple[int, bytes]:
    async with (
        wiring.running() as app,
        httpx.AsyncClient(base_url=app.resources.exposure.url) as client,
    ):
        response = await client.post(
            "/task/app.tasks.fail", json={"input": input}, headers={"x-runner-token": "t"}
        )
    return response.status_code, response.content


@pytest.mark.service
async def test_a_typed_error_with_code_and_remediation_is_the_same_envelope(
    runner_envelopes: dict[str, dict[str, Any]],
) -> None:
    """requestHandlers.tasks: "includes id and data for known application errors"; the message
    carries "\\n\\nRemediation: ..." and the status is the error's httpCode, as in Runner."""
    runner = runner_envelopes["oops"]
    status, body = await python_envelope(1)
    assert status == runner["status"] == 409
    assert body == runner["body"].encode()


@pytest.mark.service
async def test_a_typed_error_without_format_sends_its_data_as_the_message(
    runner_envelopes: dict[str, dict[str, Any]],
) -> None:
    """error.builder default format (JSON of the data) as the envelope's message, and
    requestHandlers.tasks: "includes id and data for known application errors" for an error
    that declares no http code: Runner leaves ``httpCode`` out and answers 500; so does
    runner-gen, byte for byte."""
    runner = runner_envelopes["plain"]
    status, body = await python_envelope(2)
    assert status == runner["status"] == 500
    assert "httpCode" not in json.loads(body)["error"]
    assert body == runner["body"].encode()
