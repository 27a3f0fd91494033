"""One trace across two processes: client task -> client call -> server request -> server task."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from runner_gen.generator.build import write
from runner_gen.runtime.trace_context import HOOKS
from tests.support.build import REPO, build_app, generate_files

SCRIPT = Path(__file__).parent / "scripts" / "traced_server.py"
EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="module", autouse=True)
def provider() -> None:
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
    trace.set_tracer_provider(tracer_provider)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    output = generate_files("tests.fixtures.tracing.server_app:app")
    output.package_dir = tmp_path / output.spec.package
    write([output])
    with subprocess.Popen(
        [sys.executable, str(SCRIPT), output.spec.package],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO}"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert line.startswith("listening "), line
            yield process, line.split(" ", 1)[1].strip()
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


def _server_spans(process: subprocess.Popen[str]) -> tuple[list[dict[str, Any]], str]:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=20)
    spans = [json.loads(line[5:]) for line in output.splitlines() if line.startswith("SPAN ")]
    return spans, output


async def test_a_call_across_two_services_is_one_trace(
    server: tuple[subprocess.Popen[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    process, url = server
    monkeypatch.setenv("SRV_URL", url)
    EXPORTER.clear()
    wiring = build_app("tests.fixtures.tracing.client_app:app")
    async with wiring.running() as app:
        assert await app.tasks.relay(41) == 42
    assert not HOOKS.enabled  # disposing the tracing resource switched propagation off
    ours = {span.name: span for span in EXPORTER.get_finished_spans()}
    relay, call = ours["cli.tasks.relay"], ours["POST srv.tasks.add"]
    assert call.parent is not None
    assert call.parent.span_id == relay.context.span_id
    theirs, _ = _server_spans(process)
    by_name = {span["name"]: span for span in theirs}
    request, task = by_name["POST srv.tasks.add"], by_name["srv.tasks.add"]
    trace_id = f"{relay.context.trace_id:032x}"
    assert request["trace_id"] == task["trace_id"] == trace_id
    assert request["parent_id"] == f"{call.context.span_id:016x}"  # continued the caller's span
    assert (request["kind"], task["kind"]) == ("SERVER", "INTERNAL")
    assert task["parent_id"] == request["span_id"]


def test_a_malformed_traceparent_starts_a_new_trace_quietly(
    server: tuple[subprocess.Popen[str], str],
) -> None:
    process, url = server
    headers = {
        "x-runner-token": "tr4ce",
        "traceparent": "00-zzzz-not-a-trace",
        "tracestate": "=,bad@@member" * 20,
    }
    with httpx.Client(base_url=url, headers=headers) as http:
        assert http.post("/task/srv.tasks.add", json={"input": 1}).json()["result"] == 2
    spans, output = _server_spans(process)
    [request] = [span for span in spans if span["kind"] == "SERVER"]
    assert request["parent_id"] is None  # a new trace, not a continuation
    assert "bad@@member" not in output  # no per-request warning with the attacker's text
