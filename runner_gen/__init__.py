"""runner-gen: BlueLibs Runner's model compiled ahead of time into typed Python wiring.

Everything a definition module needs is importable from here: ``r`` (the builders),
``globals`` (built-in resources, middleware, tags, events) and the types wired functions
annotate with.

The names are imported on first use: ``runner-gen build --check`` imports this package on every
commit, and must not pay for the builders and pydantic when the generated code is up to date.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from runner_gen._version import __version__

if TYPE_CHECKING:
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
    from runner_gen.runtime.errors import RunnerError
    from runner_gen.runtime.events import Emission, Emit
    from runner_gen.runtime.health import Health, HealthReport
    from runner_gen.runtime.info import DefinitionInfo
    from runner_gen.runtime.tags import Store, TagAccessor, TaggedResource, TaggedTask

# Where each public name lives; kept beside the TYPE_CHECKING imports above (a test checks both
# agree with __all__).
_LOCATIONS = {
    "globals": "runner_gen.definitions.builtins",
    "Event": "runner_gen.definitions.kinds",
    "Hook": "runner_gen.definitions.kinds",
    "MiddlewareAttachment": "runner_gen.definitions.kinds",
    "Resource": "runner_gen.definitions.kinds",
    "ResourceWithConfig": "runner_gen.definitions.kinds",
    "Tag": "runner_gen.definitions.kinds",
    "TagAttachment": "runner_gen.definitions.kinds",
    "Task": "runner_gen.definitions.kinds",
    "TaskMiddleware": "runner_gen.definitions.kinds",
    "r": "runner_gen.definitions.r",
    "AsyncContext": "runner_gen.runtime.context",
    "ResourceCall": "runner_gen.runtime.custom",
    "TaskCall": "runner_gen.runtime.custom",
    "RunnerError": "runner_gen.runtime.errors",
    "Emission": "runner_gen.runtime.events",
    "Emit": "runner_gen.runtime.events",
    "Health": "runner_gen.runtime.health",
    "HealthReport": "runner_gen.runtime.health",
    "DefinitionInfo": "runner_gen.runtime.info",
    "Store": "runner_gen.runtime.tags",
    "TagAccessor": "runner_gen.runtime.tags",
    "TaggedResource": "runner_gen.runtime.tags",
    "TaggedTask": "runner_gen.runtime.tags",
}


# The module's own namespace; `globals` is one of the public names, so the builtin is not used.
_NAMESPACE = vars()

if not TYPE_CHECKING:  # hidden from type checkers, so `from runner_gen import Typo` stays an error

    def __getattr__(name: str) -> object:
        module = _LOCATIONS.get(name)
        if module is None:
            raise AttributeError(f"module 'runner_gen' has no attribute {name!r}")
        value = getattr(import_module(module), name)
        _NAMESPACE[name] = value  # once: later lookups are plain module attributes
        return value

    def __dir__() -> list[str]:
        return sorted({*_NAMESPACE, *_LOCATIONS})


__all__ = [
    "AsyncContext",
    "DefinitionInfo",
    "Emission",
    "Emit",
    "Event",
    "Health",
    "HealthReport",
    "Hook",
    "MiddlewareAttachment",
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
