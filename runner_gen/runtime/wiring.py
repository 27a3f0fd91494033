"""Everything generated wiring needs at start, under one import (``as _rt``).

Only start-time names live here; per-call hot paths import what they use directly.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from runner_gen.runtime.boundary import ErrorBoundary, init_wave
from runner_gen.runtime.clock import SYSTEM_CLOCK, Clock
from runner_gen.runtime.custom import custom_resource_layer, custom_task_layer
from runner_gen.runtime.emitting import (
    EmitFunction,
    EmitReport,
    HookCall,
    ReportFunction,
    bind_emitter,
    emit_to_no_hooks,
    emitter,
    forwarding,
    overriding,
    report_no_hooks,
    reporter,
    run_hooks,
)
from runner_gen.runtime.errors import HookError
from runner_gen.runtime.events import OUTSIDE, READY_SOURCE, Emitter, FailureMode
from runner_gen.runtime.health import HealthChecks
from runner_gen.runtime.info import DefinitionInfo, Next, TagUse
from runner_gen.runtime.lifecycle import Lifecycle, PushDisposer
from runner_gen.runtime.main import run_main
from runner_gen.runtime.overrides import clock_of, replacements
from runner_gen.runtime.tags import Store, TagAccessor, TaggedResource, TaggedTask
from runner_gen.runtime.unhandled import OnUnhandledError, UnhandledError

__all__ = [
    "OUTSIDE",
    "READY_SOURCE",
    "SYSTEM_CLOCK",
    "Clock",
    "DefinitionInfo",
    "EmitFunction",
    "EmitReport",
    "Emitter",
    "ErrorBoundary",
    "FailureMode",
    "HealthChecks",
    "HookCall",
    "HookError",
    "Lifecycle",
    "Next",
    "OnUnhandledError",
    "PushDisposer",
    "ReportFunction",
    "Store",
    "TagAccessor",
    "TagUse",
    "TaggedResource",
    "TaggedTask",
    "UnhandledError",
    "bind_emitter",
    "clock_of",
    "custom_resource_layer",
    "custom_task_layer",
    "decoded",
    "emit_to_no_hooks",
    "emitter",
    "forwarding",
    "init_wave",
    "no_hooks",
    "overriding",
    "replacements",
    "report_no_hooks",
    "reporter",
    "run_hooks",
    "run_main",
]


async def no_hooks(payload: object) -> None:
    """The emitter of an event no hook listens to."""


def decoded(
    handler: Callable[[Any], Awaitable[None]], decode: Callable[[Any], Any] | None
) -> Callable[[object], Awaitable[None]]:
    """A consumer of wire payloads: decodes each one, then runs the local hooks."""
    if decode is None:

        def without_payload(raw: object) -> Awaitable[None]:
            return handler(None)

        return without_payload

    def decoding(raw: object) -> Awaitable[None]:
        return handler(decode(raw))

    return decoding
