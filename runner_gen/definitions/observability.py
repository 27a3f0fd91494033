"""Opt-in observability built-ins with extra dependencies (``pip install runner-gen[otel]``).

    from runner_gen.observability import tracing
    app = r.resource("app").register(tracing.with_(service="billing"), ...)

Registering ``tracing`` wraps every task in a span and turns on W3C trace propagation in the
generated clients, tunnels and exposure.
"""

from __future__ import annotations

from runner_gen.definitions.builders import ResourceBuilder, new_builder
from runner_gen.definitions.kinds import Resource
from runner_gen.definitions.source import caller_source
from runner_gen.runtime.tracing import Tracing, TracingConfig, create_tracing, stop_tracing

tracing: Resource[TracingConfig, Tracing] = (
    new_builder(ResourceBuilder, "Resource", "globals.resources.tracing", caller_source(1))
    .config_schema(TracingConfig)
    .init(create_tracing)
    .dispose(stop_tracing)
    .build()
)
