"""``r``: the entry point of every definition, mirroring Runner 5.x's fluent builders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runner_gen.definitions.builders import (
    AsyncContextBuilder,
    ErrorBuilder,
    EventBuilder,
    HookBuilder,
    ResourceBuilder,
    ResourceMiddlewareBuilder,
    TagBuilder,
    TaskBuilder,
    TaskMiddlewareBuilder,
    new_builder,
)
from runner_gen.definitions.errors import DefinitionError
from runner_gen.definitions.kinds import Override, Resource
from runner_gen.definitions.source import caller_source

# Frames: the user's call -> the factory method below -> caller_source.
_USER = 2


class _TaskFactory:
    __slots__ = ()

    def __call__(self, id: str) -> TaskBuilder[Any, None]:
        return new_builder(TaskBuilder, "Task", id, caller_source(_USER))

    def phantom(self, id: str) -> TaskBuilder[None, Any]:
        """A task contract with no local implementation: a client tunnel must route it.

        Typed as Runner's ``r.task.phantom<TInput = undefined, TResolved = any>(id)`` until
        ``.input_schema(...)`` / ``.result_schema(...)`` narrow it: no input, any result."""
        return new_builder(TaskBuilder, "Task", id, caller_source(_USER), phantom=True)


class _MiddlewareFactory:
    __slots__ = ()

    def task(self, id: str) -> TaskMiddlewareBuilder[None]:
        return new_builder(TaskMiddlewareBuilder, "Task middleware", id, caller_source(_USER))

    def resource(self, id: str) -> ResourceMiddlewareBuilder[None]:
        return new_builder(
            ResourceMiddlewareBuilder, "Resource middleware", id, caller_source(_USER)
        )


class _R:
    """Builders for every kind of definition: ``r.resource``, ``r.task``, ``r.event`` ..."""

    __slots__ = ()

    task = _TaskFactory()
    middleware = _MiddlewareFactory()

    def resource(self, id: str) -> ResourceBuilder[None, None]:
        return new_builder(ResourceBuilder, "Resource", id, caller_source(_USER))

    def event(self, id: str) -> EventBuilder[None]:
        return new_builder(EventBuilder, "Event", id, caller_source(_USER))

    def hook(self, id: str) -> HookBuilder[Any]:
        return new_builder(HookBuilder, "Hook", id, caller_source(_USER))

    def tag(self, id: str) -> TagBuilder[None]:
        return new_builder(TagBuilder, "Tag", id, caller_source(_USER))

    def async_context(self, id: str) -> AsyncContextBuilder[Any]:
        return new_builder(AsyncContextBuilder, "Async context", id, caller_source(_USER))

    def error(self, id: str) -> ErrorBuilder[Any]:
        return new_builder(ErrorBuilder, "Error", id, caller_source(_USER))

    def override(
        self,
        base: Any,
        implementation: Callable[..., Any] | None = None,
        *,
        dispose: Callable[..., Any] | None = None,
    ) -> Override:
        """Replace ``run`` (task, hook, middleware) or ``init``/``dispose`` (resource) of ``base``,
        keeping its id, dependencies and place in the graph."""
        source = caller_source(_USER)
        kind = getattr(base, "kind", None)
        if kind not in {"task", "resource", "hook", "task_middleware", "resource_middleware"}:
            raise DefinitionError(
                f"r.override() cannot override {base!r}",
                source=source,
                remediation="Override a task, resource, hook or middleware definition.",
            )
        if implementation is None and (dispose is None or not isinstance(base, Resource)):
            raise DefinitionError(f"r.override({base.id!r}) needs an implementation", source=source)
        return Override(base, implementation, dispose, source)


r = _R()
