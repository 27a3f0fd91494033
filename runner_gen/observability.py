"""Tracing with OpenTelemetry (needs the ``otel`` extra)."""

from runner_gen.definitions.observability import tracing
from runner_gen.runtime.tracing import Tracing, TracingConfig

__all__ = ["Tracing", "TracingConfig", "tracing"]
