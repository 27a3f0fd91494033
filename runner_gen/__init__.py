"""runner-gen: BlueLibs Runner's model compiled ahead of time into typed Python wiring.

Everything a definition module needs is importable from here: ``r`` (the builders),
``globals`` (built-in resources, middleware, tags, events) and the types wired functions
annotate with. More public modules, one per area: ``runner_gen.errors`` (every error to catch),
``runner_gen.middleware`` (built-in middleware configs, cache providers),
``runner_gen.logging`` (logger configuration, records, printers), ``runner_gen.remote`` (HTTP
exposure and client tunnels), ``runner_gen.redis`` (scale-out on Redis),
``runner_gen.observability`` (OpenTelemetry tracing).

Names are imported on first use (see ``runner_gen._lazy``): ``import runner_gen`` alone is cheap.
"""

from typing import TYPE_CHECKING

from runner_gen._lazy import lazy_exports
from runner_gen._version import __version__

if TYPE_CHECKING:
    from runner_gen.definitions.builtins import globals
    from runner_gen.definitions.context import AsyncContextDefinition
    from runner_gen.definitions.error import ErrorDefinition, TypedError
    from runner_gen.definitions.kinds import (
        Event,
        Hook,
        MiddlewareAttachment,
        Resource,
        ResourceMiddleware,
        ResourceWithConfig,
        Tag,
        TagAttachment,
        Task,
        TaskMiddleware,
    )
    from runner_gen.definitions.r import r
    from runner_gen.runtime.context import AsyncContext
    from runner_gen.runtime.custom import ResourceCall, TaskCall
    from runner_gen.runtime.emitting import EmitReport, as_emitter, emit_with_result
    from runner_gen.runtime.errors import DisposedError, HookError, Rejection, RunnerError
    from runner_gen.runtime.events import Emission, Emit, Emitter
    from runner_gen.runtime.health import Health, HealthReport
    from runner_gen.runtime.info import DefinitionInfo
    from runner_gen.runtime.journal import Journal, JournalKey
    from runner_gen.runtime.logging.logger import Logger
    from runner_gen.runtime.tags import Store, TagAccessor, TaggedResource, TaggedTask
    from runner_gen.runtime.unhandled import OnUnhandledError, UnhandledError

_KINDS = "runner_gen.definitions.kinds"
_EXPORTS = {
    "globals": "runner_gen.definitions.builtins",
    "AsyncContextDefinition": "runner_gen.definitions.context",
    "ErrorDefinition": "runner_gen.definitions.error",
    "TypedError": "runner_gen.definitions.error",
    "Event": _KINDS,
    "Hook": _KINDS,
    "MiddlewareAttachment": _KINDS,
    "Resource": _KINDS,
    "ResourceMiddleware": _KINDS,
    "ResourceWithConfig": _KINDS,
    "Tag": _KINDS,
    "TagAttachment": _KINDS,
    "Task": _KINDS,
    "TaskMiddleware": _KINDS,
    "r": "runner_gen.definitions.r",
    "AsyncContext": "runner_gen.runtime.context",
    "ResourceCall": "runner_gen.runtime.custom",
    "TaskCall": "runner_gen.runtime.custom",
    "EmitReport": "runner_gen.runtime.emitting",
    "as_emitter": "runner_gen.runtime.emitting",
    "emit_with_result": "runner_gen.runtime.emitting",
    "DisposedError": "runner_gen.runtime.errors",
    "HookError": "runner_gen.runtime.errors",
    "Rejection": "runner_gen.runtime.errors",
    "RunnerError": "runner_gen.runtime.errors",
    "Emission": "runner_gen.runtime.events",
    "Emit": "runner_gen.runtime.events",
    "Emitter": "runner_gen.runtime.events",
    "Health": "runner_gen.runtime.health",
    "HealthReport": "runner_gen.runtime.health",
    "DefinitionInfo": "runner_gen.runtime.info",
    "Journal": "runner_gen.runtime.journal",
    "JournalKey": "runner_gen.runtime.journal",
    "Logger": "runner_gen.runtime.logging.logger",
    "Store": "runner_gen.runtime.tags",
    "TagAccessor": "runner_gen.runtime.tags",
    "TaggedResource": "runner_gen.runtime.tags",
    "TaggedTask": "runner_gen.runtime.tags",
    "OnUnhandledError": "runner_gen.runtime.unhandled",
    "UnhandledError": "runner_gen.runtime.unhandled",
}

__all__ = [
    "AsyncContext",
    "AsyncContextDefinition",
    "DefinitionInfo",
    "DisposedError",
    "Emission",
    "Emit",
    "EmitReport",
    "Emitter",
    "ErrorDefinition",
    "Event",
    "Health",
    "HealthReport",
    "Hook",
    "HookError",
    "Journal",
    "JournalKey",
    "Logger",
    "MiddlewareAttachment",
    "OnUnhandledError",
    "Rejection",
    "Resource",
    "ResourceCall",
    "ResourceMiddleware",
    "ResourceWithConfig",
    "RunnerError",
    "Store",
    "Tag",
    "TagAccessor",
    "TagAttachment",
    "TaggedResource",
    "TaggedTask",
    "Task",
    "TaskCall",
    "TaskMiddleware",
    "TypedError",
    "UnhandledError",
    "__version__",
    "as_emitter",
    "emit_with_result",
    "globals",
    "r",
]

if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
