"""The exposure's OpenAPI 3.1 document: valid for a real validator, deterministic, written and
checked by the build, and true to what the running exposure answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from runner_gen.generator.analysis import analyse
from runner_gen.generator.build import generate, stale_diff, write
from runner_gen.generator.config import AppSpec, project_version, read_apps
from runner_gen.generator.load import load_app
from runner_gen.generator.openapi import dumps, openapi_document
from runner_gen.generator.problems import BuildError
from tests.openapi.apps import TOKEN
from tests.support.build import REPO, build_app

BILLING_DOCUMENT = REPO / "examples" / "distributed" / "billing.openapi.json"


def document(spec: str, version: str = "1.0.0") -> dict[str, Any]:
    return openapi_document(analyse(load_app(spec, REPO)), version)


def response_schema(doc: dict[str, Any], path: str, status: int, method: str = "post") -> Any:
    """The operation's schema for ``status``, with the document's components beside it so its
    ``#/components/...`` references resolve."""
    response = doc["paths"][path][method]["responses"][str(status)]
    if "$ref" in response:
        response = doc["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return {**response["content"]["application/json"]["schema"], "components": doc["components"]}


def conforms(doc: dict[str, Any], path: str, answer: httpx.Response) -> None:
    schema = response_schema(doc, path, answer.status_code)
    Draft202012Validator(schema).validate(answer.json())


def test_the_committed_billing_document_is_valid_and_current() -> None:
    committed = BILLING_DOCUMENT.read_text(encoding="utf-8")
    validate(json.loads(committed))
    [billing] = [s for s in read_apps(REPO) if s.root == "examples.distributed.billing:app"]
    assert billing.openapi == "examples/distributed/billing.openapi.json"
    assert committed == dumps(document(billing.root, billing.api_version))


def test_the_billing_operations_carry_the_tasks_types_envelopes_and_errors() -> None:
    doc = json.loads(BILLING_DOCUMENT.read_text(encoding="utf-8"))
    assert doc["openapi"] == "3.1.0"
    assert sorted(doc["paths"]) == [
        "/__runner/discovery",
        "/__runner/event/billing.events.invoice_paid",
        "/__runner/task/billing.tasks.payments",
        "/__runner/task/billing.tasks.quote",
    ]
    quote = doc["paths"]["/__runner/task/billing.tasks.quote"]["post"]
    body = quote["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["input"] == {"$ref": "#/components/schemas/QuoteRequest"}
    assert body["required"] == ["input"]
    ok = quote["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["properties"] == {
        "ok": {"const": True},
        "result": {"$ref": "#/components/schemas/Quote"},
    }
    assert sorted(quote["responses"]) == [
        "200", "400", "401", "403", "404", "408", "413", "429", "500", "503", "504",
    ]  # fmt: skip
    not_found = doc["components"]["responses"]["Failure404"]["content"]["application/json"]
    assert not_found["schema"] == {"$ref": "#/components/schemas/Error.billing.errors.unknown_sku"}
    error = doc["components"]["schemas"]["Error.billing.errors.unknown_sku"]["properties"]["error"]
    assert error["properties"]["data"] == {"$ref": "#/components/schemas/UnknownSku"}
    assert error["properties"]["httpCode"] == {"const": 404}
    retry = doc["components"]["responses"]["Failure429"]["headers"]["Retry-After"]
    assert retry["schema"] == {"type": "integer", "minimum": 1}
    limited = doc["components"]["schemas"]["RunnerRejection429"]["properties"]["error"]
    assert limited["properties"]["id"] == {"const": "runner.errors.middleware.rateLimitExceeded"}
    assert doc["components"]["securitySchemes"] == {
        "runnerToken": {"type": "apiKey", "in": "header", "name": "x-runner-token"}
    }
    assert doc["security"] == [{"runnerToken": []}]
    issued_at = doc["components"]["schemas"]["Quote"]["properties"]["issued_at"]
    assert issued_at["anyOf"][1] == {"$ref": "#/components/schemas/RunnerDate"}


def test_the_wire_forms_and_the_auth_schemes_of_a_richer_exposure() -> None:
    doc = document("tests.openapi.apps:app", "2.0.0")
    validate(doc)
    assert doc["info"]["version"] == "2.0.0"
    assert doc["security"] == [{"bearer": []}, {"runnerToken": []}]
    reading = doc["components"]["schemas"]["Reading"]["properties"]
    assert reading["small"] == {"maximum": 100, "minimum": 0, "title": "Small", "type": "integer"}
    assert reading["count"]["anyOf"][1] == {"$ref": "#/components/schemas/RunnerBigInt"}
    assert reading["ratio"]["anyOf"][1] == {"$ref": "#/components/schemas/RunnerNonFiniteNumber"}
    assert reading["tags"]["anyOf"][1]["properties"]["__type"] == {"const": "Set"}
    now = doc["paths"]["/api/task/wire.tasks.now"]["post"]
    assert now["summary"] == "The time"
    assert now["description"] == "Fixed."
    assert now["requestBody"]["required"] is False
    pinged = doc["paths"]["/api/event/wire.events.pinged"]["post"]
    assert "required" not in pinged["requestBody"]["content"]["application/json"]["schema"]
    # A typed error without data, and one whose http_code is no error status (sent as 500).
    assert "Error.wire.errors.conflict" in json.dumps(doc["components"]["responses"]["Failure409"])
    assert "Error.wire.errors.odd" in json.dumps(doc["components"]["responses"]["Failure500"])
    odd = doc["components"]["schemas"]["Error.wire.errors.odd"]["properties"]["error"]
    assert odd["properties"]["httpCode"] == {"const": 302}
    # An error declaring no http code: answered with 500, and its envelope has no httpCode
    # (Runner's requestHandlers: "includes id and data for known application errors").
    assert "Error.wire.errors.undeclared" in json.dumps(
        doc["components"]["responses"]["Failure500"]
    )
    undeclared = doc["components"]["schemas"]["Error.wire.errors.undeclared"]["properties"]
    assert "httpCode" not in undeclared["error"]["properties"]
    assert "httpCode" not in undeclared["error"]["required"]


def test_an_exposure_that_takes_tokens_or_nothing_without_discovery() -> None:
    doc = document("tests.openapi.apps:anonymous_app")
    validate(doc)
    assert list(doc["paths"]) == ["/__runner/task/wire.tasks.now"]
    assert doc["security"] == [{"runnerToken": []}, {}]  # {}: no credentials at all is fine


def test_a_bare_exposure_has_no_security_and_no_401() -> None:
    doc = document("tests.openapi.apps:bare_app")
    validate(doc)
    assert list(doc["paths"]) == ["/__runner/discovery"]
    assert "security" not in doc
    assert "401" not in doc["paths"]["/__runner/discovery"]["get"]["responses"]


def test_annotations_through_module_aliases_resolve() -> None:
    doc = document("tests.openapi.apps:app")
    first_day = doc["paths"]["/api/task/wire.tasks.first_day"]["post"]
    body = first_day["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["input"]["type"] == "array"
    result = first_day["responses"]["200"]["content"]["application/json"]["schema"]
    assert result["properties"]["result"] == {"format": "date", "type": "string"}


@pytest.mark.parametrize("spec", ["no_exposure_app", "two_exposures_app"])
def test_an_app_without_exactly_one_exposure_is_a_build_error(spec: str) -> None:
    with pytest.raises(BuildError) as failed:
        document(f"tests.openapi.apps:{spec}")
    assert "must have exactly one HTTP exposure" in failed.value.render()


def test_the_document_is_the_same_under_another_hash_seed() -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "runner_gen.cli", "openapi", "examples.distributed.billing:app",
         "--api-version", "0.1.0"],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )  # fmt: skip
    assert printed.stdout == BILLING_DOCUMENT.read_text(encoding="utf-8")


def test_the_build_writes_checks_and_refuses_a_bad_option(tmp_path: Path) -> None:
    spec = AppSpec(
        "tests.openapi.apps:anonymous_app", "gen_openapi_pkg", openapi="api/openapi.json"
    )
    [output] = generate(REPO, [spec])
    output.package_dir = tmp_path / "pkg" / "gen_openapi_pkg"
    write([output])
    written = tmp_path / "pkg" / "api" / "openapi.json"
    # The option's path is relative to the project root; the package sits at pkg/ here.
    output_name = "../api/openapi.json"
    assert output.files[output_name] == written.read_text(encoding="utf-8")
    assert stale_diff([output], tmp_path) == ""
    written.write_text("{}\n", encoding="utf-8")
    assert "openapi.json (would be generated)" in stale_diff([output], tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.runner-gen]\napps = [{ root = "a.b:app", openapi = "api.yaml" }]\n',
        encoding="utf-8",
    )
    with pytest.raises(BuildError) as failed:
        read_apps(tmp_path)
    assert "openapi must be a path ending in .json" in failed.value.render()


def test_the_cli_writes_the_document_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "wire.json"
    done = subprocess.run(
        [sys.executable, "-m", "runner_gen.cli", "openapi", "tests.openapi.apps:app",
         "--output", str(target)],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"wrote {target}\n"
    written = json.loads(target.read_text(encoding="utf-8"))
    validate(written)
    # An app named on the command line is versioned as the project is, like a configured one.
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert written["info"]["version"] == project["version"] != "0.0.0"
    refused = subprocess.run(
        [sys.executable, "-m", "runner_gen.cli", "openapi", "tests.openapi.apps:no_exposure_app"],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert refused.returncode == 1
    assert "openapi_needs_one_exposure" in refused.stderr


async def test_what_the_running_exposure_answers_conforms_to_the_document() -> None:
    doc = document("tests.openapi.apps:app")
    started = await build_app("tests.openapi.apps:app").start()
    auth = {"x-runner-token": TOKEN}
    try:
        url = started.resources.exposure.url
        async with httpx.AsyncClient(base_url=url.removesuffix("/api")) as http:
            reading = {
                "at": "2026-01-02T03:04:05Z",
                "tags": ["b", "a"],
                "count": 2**60,
                "small": 3,
                "ratio": {"__type": "NonFiniteNumber", "value": "Infinity"},
            }
            answers = {
                "/api/task/wire.tasks.record": [
                    await http.post("/api/task/wire.tasks.record", json={"input": reading},
                                    headers=auth),
                    await http.post("/api/task/wire.tasks.record", json={"input": {}},
                                    headers=auth),
                    await http.post("/api/task/wire.tasks.record", content=b"{", headers=auth),
                    await http.post("/api/task/wire.tasks.record", json={"input": reading}),
                ],
                "/api/task/wire.tasks.now": [
                    await http.post("/api/task/wire.tasks.now",
                                    headers={"authorization": f"Bearer {TOKEN}"}),
                ],
                "/api/task/wire.tasks.forget": [
                    await http.post("/api/task/wire.tasks.forget",
                                    json={"input": {"sides": 4}}, headers=auth),
                    await http.post("/api/task/wire.tasks.forget",
                                    json={"input": {"sides": 5}}, headers=auth),
                ],
                "/api/event/wire.events.noticed": [
                    await http.post("/api/event/wire.events.noticed",
                                    json={"payload": {"sides": 3}}, headers=auth),
                ],
            }  # fmt: skip
            discovery = await http.get("/api/discovery", headers=auth)
    finally:
        await started.dispose()
    statuses = {path: [answer.status_code for answer in group] for path, group in answers.items()}
    assert statuses == {
        "/api/task/wire.tasks.record": [200, 400, 400, 401],
        "/api/task/wire.tasks.now": [200],
        "/api/task/wire.tasks.forget": [404, 200],
        "/api/event/wire.events.noticed": [200],
    }
    recorded = answers["/api/task/wire.tasks.record"][0].json()["result"]
    assert recorded["at"] == {"__type": "Date", "value": "2026-01-02T03:04:05.000Z"}
    assert recorded["count"] == {"__type": "BigInt", "value": str(2**60)}
    assert recorded["tags"] == {"__type": "Set", "value": ["a", "b"]}
    for path, group in answers.items():
        for answer in group:
            conforms(doc, path, answer)
    schema = response_schema(doc, "/api/discovery", 200, "get")
    Draft202012Validator(schema).validate(discovery.json())
    # The check has teeth: a Date sent as a bare string is not what the document allows.
    wrong = {**recorded, "at": 5}
    with pytest.raises(Exception, match="is not valid under any of the given schemas"):
        Draft202012Validator(response_schema(doc, "/api/task/wire.tasks.record", 200)).validate(
            {"ok": True, "result": wrong}
        )


def test_the_project_version_falls_back_when_the_project_has_none(tmp_path: Path) -> None:
    assert project_version(tmp_path) == "0.0.0"  # no pyproject.toml
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\ndynamic = ["version"]\n', encoding="utf-8")
    assert project_version(tmp_path) == "0.0.0"
    pyproject.write_text("[project\n", encoding="utf-8")
    assert project_version(tmp_path) == "0.0.0"
    pyproject.write_text('[project]\nversion = "3.1.4"\n', encoding="utf-8")
    assert project_version(tmp_path) == "3.1.4"
