"""Serve a generated, traced app with an in-memory exporter; on SIGTERM print the spans.

Usage: python traced_server.py <generated package>
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from runner_gen.runtime.main import run_main

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)


async def announce(app: Any) -> None:
    print(f"listening {app.resources.exposure.url}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    wiring: Any = importlib.import_module(f"{sys.argv[1]}.wiring")
    code = run_main(wiring.start, until=announce)
    for span in exporter.get_finished_spans():
        context = span.get_span_context()
        assert context is not None
        parent = span.parent
        print(
            "SPAN "
            + json.dumps(
                {
                    "name": span.name,
                    "kind": span.kind.name,
                    "trace_id": f"{context.trace_id:032x}",
                    "span_id": f"{context.span_id:016x}",
                    "parent_id": f"{parent.span_id:016x}" if parent else None,
                }
            ),
            flush=True,
        )
    raise SystemExit(code)
