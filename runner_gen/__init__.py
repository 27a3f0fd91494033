"""runner-gen: BlueLibs Runner's model compiled ahead of time into typed Python wiring.

Everything a definition module needs is importable from here: ``r`` (the builders),
``globals`` (built-in resources, middleware, tags, events) and the types wired functions
annotate with.
"""

from runner_gen._version import __version__
from runner_gen.definitions.builtins import globals
from runner_gen.definitions.kinds import (
    Event,
    Hook,
    MiddlewareAttachment,
    Resource,
    ResourceWithConfig,
    Tag,
    TagAttachment,
    Task,
    TaskMiddleware,
)
from runner_gen.definitions.r import r
from runner_gen.runtime.context import AsyncContext
from runner_gen.runtime.custom import ResourceCall, TaskCall
from runner_gen.runtime.emitting import EmitReport
from runner_gen.runtime.errors import DisposedError, HookError, Rejection, RunnerError
from runner_gen.runtime.events import Emission, Emit, Emitter
from runner_gen.runtime.health import Health, HealthReport
from runner_gen.runtime.info import DefinitionInfo
from runner_gen.runtime.tags import Store, TagAccessor, TaggedResource, TaggedTask

__all__ = [
    "AsyncContext",
    "DefinitionInfo",
    "DisposedError",
    "Emission",
    "Emit",
    "EmitReport",
    "Emitter",
    "Event",
    "Health",
    "HealthReport",
    "Hook",
    "HookError",
    "MiddlewareAttachment",
    "Rejection",
    "Resource",
    "ResourceCall",
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
    "__version__",
    "globals",
    "r",
]
