"""OpenTelemetry tracing (the ``otel`` extra): a span per task run, per exposure request and per
client call, with W3C ``traceparent`` propagated by clients and continued by the exposure.

Imported only by apps that register ``globals.resources.tracing``; the SDK and exporter are the
application's choice (``opentelemetry.trace.set_tracer_provider(...)``), this uses the API only.
Exception messages are never recorded (they may hold secrets): spans get the error type.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.middleware.protocol import Middleware
from runner_gen.runtime.trace_context import HOOKS

_INSTRUMENTATION = "runner_gen"


@dataclass(frozen=True)
class TracingConfig:
    """``service`` names the spans' origin in the ``runner.service`` attribute."""

    service: str = "runner-gen"


class Tracing:
    """The value of ``globals.resources.tracing``: the tracer, and the hooks it installed."""

    def __init__(self, config: TracingConfig) -> None:
        self.config = config
        self.tracer = trace.get_tracer(_INSTRUMENTATION)
        # A malformed tracestate makes the API log a warning per request, with attacker-
        # controlled text; such headers just start a new trace, quietly.
        logging.getLogger("opentelemetry.trace.span").setLevel(logging.ERROR)
        HOOKS.install(self._client_span, self._server_span)

    @contextmanager
    def _client_span(self, name: str) -> Iterator[dict[str, str]]:
        with self.tracer.start_as_current_span(
            name, kind=SpanKind.CLIENT, record_exception=False, set_status_on_exception=False
        ) as span:
            span.set_attribute("runner.service", self.config.service)
            carrier: dict[str, str] = {}
            propagate.inject(carrier)
            try:
                yield carrier
            except Exception as error:
                _mark_failed(span, error)
                raise

    @contextmanager
    def _server_span(self, name: str, headers: Iterable[tuple[bytes, bytes]]) -> Iterator[None]:
        carrier = {
            key.decode("latin-1").lower(): value.decode("latin-1")
            for key, value in headers
            if key.lower() in (b"traceparent", b"tracestate")
        }
        parent = propagate.extract(carrier)
        token = otel_context.attach(parent)
        try:
            with self.tracer.start_as_current_span(
                name, kind=SpanKind.SERVER, record_exception=False, set_status_on_exception=False
            ) as span:
                span.set_attribute("runner.service", self.config.service)
                try:
                    yield
                except Exception as error:
                    _mark_failed(span, error)
                    raise
        finally:
            otel_context.detach(token)


def create_tracing(config: TracingConfig) -> Tracing:
    """``globals.resources.tracing``'s init."""
    return Tracing(config)


def stop_tracing(tracing: Tracing) -> None:
    HOOKS.reset()


class TracingMiddleware(Middleware[None]):
    """A span per task run, named after the task id (the outermost layer)."""

    __slots__ = ("_tracing",)

    def __init__(self, tracing: Tracing) -> None:
        self._tracing = tracing

    def wrap(self, next: Next, info: DefinitionInfo, config: None) -> Next:
        tracer = self._tracing.tracer
        name = info.id
        attributes: dict[str, Any] = {
            "runner.task.id": info.id,
            "runner.service": self._tracing.config.service,
        }

        async def traced(input: Any) -> Any:
            with tracer.start_as_current_span(
                name,
                kind=SpanKind.INTERNAL,
                attributes=attributes,
                record_exception=False,
                set_status_on_exception=False,
            ) as span:
                try:
                    return await next(input)
                except Exception as error:
                    _mark_failed(span, error)
                    raise

        return traced


def _mark_failed(span: trace.Span, error: BaseException) -> None:
    span.set_status(Status(StatusCode.ERROR, type(error).__name__))
    span.set_attribute("error.type", type(error).__name__)
