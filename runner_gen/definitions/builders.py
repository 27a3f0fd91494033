"""The fluent, immutable builders behind ``r``: every method returns a new builder."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import Any, Generic, Literal, Self, TypeVar, cast, overload

from runner_gen.definitions.context import AsyncContextDefinition
from runner_gen.definitions.error import ErrorDefinition
from runner_gen.definitions.errors import DefinitionError
from runner_gen.definitions.ids import validate_id
from runner_gen.definitions.kinds import (
    Dependency,
    Event,
    Hook,
    MiddlewareAttachment,
    OptionalDependency,
    Registrable,
    Resource,
    ResourceMiddleware,
    ResourceScope,
    ResourceWithConfig,
    Tag,
    TagAttachment,
    TagTarget,
    Task,
    TaskMiddleware,
)
from runner_gen.definitions.kinds import Override as OverrideDefinition
from runner_gen.definitions.source import Source
from runner_gen.definitions.validation import validator_for

C = TypeVar("C")
V = TypeVar("V")
I = TypeVar("I")  # noqa: E741 - Input, as in Runner's generics
O = TypeVar("O")  # noqa: E741
P = TypeVar("P")
NewC = TypeVar("NewC")
NewV = TypeVar("NewV")
NewI = TypeVar("NewI")
NewO = TypeVar("NewO")
NewP = TypeVar("NewP")

_DEPENDENCY_KINDS = frozenset({"resource", "task", "event", "tag", "async_context", "error"})
_REGISTRABLE_KINDS = _DEPENDENCY_KINDS | {"hook", "task_middleware", "resource_middleware"}


class _Builder:
    __slots__ = ("_fields",)

    _kind: str = "definition"

    def __init__(self, fields: dict[str, Any]) -> None:
        self._fields = fields

    def _with(self, **changes: Any) -> Self:
        return type(self)({**self._fields, **changes})

    @property
    def _id(self) -> str:
        return cast("str", self._fields["id"])

    @property
    def _source(self) -> Source:
        return cast("Source", self._fields["source"])

    def _dependency_spec(
        self, factory: Callable[[], Mapping[str, Dependency]] | None, deps: Mapping[str, object]
    ) -> Mapping[str, Dependency] | Callable[[], Mapping[str, Dependency]]:
        if factory is not None:
            if deps or not callable(factory):
                raise DefinitionError(
                    f'{self._kind} "{self._id}" .dependencies() takes keywords or one function, '
                    "not both",
                    source=self._source,
                )
            return factory
        current = self._fields.get("dependencies", {})
        if callable(current):
            raise DefinitionError(
                f'{self._kind} "{self._id}" already has function-form dependencies',
                source=self._source,
                remediation="Return every dependency from that one function.",
            )
        merged: dict[str, Any] = dict(current)
        for key, value in deps.items():
            check_dependency(self._kind, self._id, key, value, self._source)
            merged[key] = value
        return MappingProxyType(merged)

    def _tags(self, items: tuple[object, ...]) -> tuple[TagAttachment[Any], ...]:
        attachments: list[TagAttachment[Any]] = list(self._fields.get("tags", ()))
        for item in items:
            if isinstance(item, Tag):
                item = TagAttachment(item, item.default_config, self._source)
            if not isinstance(item, TagAttachment):
                raise DefinitionError(
                    f'{self._kind} "{self._id}" was given a tag that is not a tag: {item!r}',
                    source=self._source,
                )
            if any(existing.tag.id == item.tag.id for existing in attachments):
                # Runner 5.5's duplicateTagIdOnDefinition: which config would extract() mean?
                raise DefinitionError(
                    f'{self._kind} "{self._id}" declares duplicate tag "{item.tag.id}". '
                    "A definition can only include a tag id once.",
                    source=self._source,
                    remediation=f'Remove the duplicate "{item.tag.id}" tag from "{self._id}".',
                )
            attachments.append(item)
        return tuple(attachments)

    def _meta(self, meta: Mapping[str, object]) -> Mapping[str, object]:
        return MappingProxyType({**self._fields.get("meta", {}), **meta})

    def _require_callable(self, what: str, fn: object) -> None:
        if not callable(fn):
            raise DefinitionError(
                f'{what} of {self._kind} "{self._id}" must be a function, got {type(fn).__name__}',
                source=self._source,
            )


def check_dependency(kind: str, owner: str, key: str, value: object, source: Source) -> None:
    if not _is_dependency(value):
        raise DefinitionError(
            f'Dependency "{key}" of {kind} "{owner}" is not a definition '
            f"(got {type(value).__name__})",
            source=source,
            remediation="Depend on a resource, task, event, tag, async context or error "
            "built with r.*, or its .optional().",
        )


def _is_dependency(value: object) -> bool:
    if isinstance(value, OptionalDependency):
        return _is_dependency(value.target)
    return getattr(value, "kind", None) in _DEPENDENCY_KINDS


def _is_registrable(value: object) -> bool:
    if isinstance(value, ResourceWithConfig | OverrideDefinition | MiddlewareAttachment):
        return True  # a configured middleware: as an everywhere middleware, with that config
    return getattr(value, "kind", None) in _REGISTRABLE_KINDS


class _Described(_Builder):
    """Tags and meta, which every definition kind takes."""

    __slots__ = ()

    def tags(self, *items: TagAttachment[Any] | Tag[Any]) -> Self:
        return self._with(tags=self._tags(items))

    def meta(self, **meta: object) -> Self:
        return self._with(meta=self._meta(meta))


class _Dependent(_Described):
    """Definitions whose functions receive dependencies."""

    __slots__ = ()

    def dependencies(
        self, factory: Callable[[], Mapping[str, Dependency]] | None = None, /, **deps: Dependency
    ) -> Self:
        """Keyword dependencies, or a function returning them (evaluated at build time, so
        definitions may refer to ones written later in the module)."""
        return self._with(dependencies=self._dependency_spec(factory, deps))


class _MiddlewareBuilder(_Dependent):
    """What task and resource middleware builders share."""

    __slots__ = ()

    def context(self, factory: Callable[[], Any]) -> Self:
        """Private per-app state, created once at start and passed as ``context=``."""
        self._require_callable("context", factory)
        return self._with(context=factory)

    def run(self, fn: Callable[..., Any]) -> Self:
        self._require_callable("run", fn)
        return self._with(run=fn)

    def _checked(self) -> dict[str, Any]:
        if self._fields.get("run") is None and self._fields.get("implementation") is None:
            raise DefinitionError(
                f'{self._kind} "{self._id}" has no run function',
                source=self._source,
                remediation="Add .run(your_function) before .build().",
            )
        return self._fields


class ResourceBuilder(_Dependent, Generic[C, V]):
    """``r.resource(id)``: config schema, dependencies, init/dispose, register, middleware, tags."""

    __slots__ = ()
    _kind = "Resource"

    def config_schema(self, schema: type[NewC]) -> ResourceBuilder[NewC, V]:
        return cast("ResourceBuilder[NewC, V]", self._with(config_schema=schema))

    def register(self, *items: Registrable) -> Self:
        for item in items:
            if not _is_registrable(item):
                raise DefinitionError(
                    f'Resource "{self._id}" registers something that is not a definition: {item!r}',
                    source=self._source,
                )
        return self._with(register=(*self._fields.get("register", ()), *items))

    def middleware(self, *items: MiddlewareAttachment[Any] | ResourceMiddleware[Any]) -> Self:
        return self._with(middleware=_attachments(self, items, ResourceMiddleware))

    def context(self, factory: Callable[[], Any]) -> Self:
        self._require_callable("context", factory)
        return self._with(context=factory)

    @overload
    def init(self, fn: Callable[..., Awaitable[NewV]]) -> ResourceBuilder[C, NewV]: ...
    @overload
    def init(self, fn: Callable[..., NewV]) -> ResourceBuilder[C, NewV]: ...
    def init(self, fn: Callable[..., Any]) -> ResourceBuilder[C, Any]:
        self._require_callable("init", fn)
        return self._with(init=fn)

    def dispose(self, fn: Callable[..., Any]) -> Self:
        self._require_callable("dispose", fn)
        return self._with(dispose=fn)

    def health(self, fn: Callable[..., Any]) -> Self:
        self._require_callable("health", fn)
        return self._with(health=fn)

    def dispose_timeout(self, seconds: float) -> Self:
        """How long its dispose may take at shutdown before it is cancelled and abandoned (the
        app's default, 10 s, otherwise). A pool that drains connections may need more; keep
        the sum of the app's timeouts inside the orchestrator's grace period."""
        given: object = seconds  # a definition module may pass anything
        if (
            isinstance(given, bool)
            or not isinstance(given, int | float)
            or not math.isfinite(given)
            or given <= 0
        ):
            raise DefinitionError(
                f'dispose_timeout of Resource "{self._id}" must be a positive number of '
                f"seconds, got {seconds!r}",
                source=self._source,
                remediation="Pass seconds as a number, e.g. .dispose_timeout(15).",
            )
        return self._with(dispose_timeout=float(seconds))

    def scope(self, scope: ResourceScope) -> Self:
        """``"call"``: a new value for each call of a task that depends on it (a unit of work,
        a transaction, a per-request client), disposed when that call ends, even on error or
        cancellation. It may depend on app-wide resources and other call-scoped ones; only
        tasks and call-scoped resources may depend on it. ``"app"`` (the default): one value
        for the app's life."""
        given: object = scope  # a definition module may pass anything
        if given not in ("app", "call"):
            raise DefinitionError(
                f'scope of Resource "{self._id}" must be "app" or "call", got {scope!r}',
                source=self._source,
                remediation='Use .scope("call") for a value per task call.',
            )
        return self._with(scope=scope)

    def overrides(self, *items: OverrideDefinition) -> Self:
        for item in items:
            if not isinstance(item, OverrideDefinition):
                raise DefinitionError(
                    f'Resource "{self._id}" .overrides() accepts only r.override(...) results, '
                    f"got {item!r}",
                    source=self._source,
                )
        return self._with(overrides=(*self._fields.get("overrides", ()), *items))

    def build(self) -> Resource[C, V]:
        return Resource(**self._fields)


class TaskBuilder(_Dependent, Generic[I, O]):
    """``r.task(id)``: dependencies, middleware (first listed is outermost), tags, run."""

    __slots__ = ()
    _kind = "Task"

    def middleware(self, *items: MiddlewareAttachment[Any] | TaskMiddleware[Any]) -> Self:
        return self._with(middleware=_attachments(self, items, TaskMiddleware))

    def input_schema(self, schema: type[NewI]) -> TaskBuilder[NewI, O]:
        return cast("TaskBuilder[NewI, O]", self._with(input_schema=schema))

    def result_schema(self, schema: type[NewO]) -> TaskBuilder[I, NewO]:
        return cast("TaskBuilder[I, NewO]", self._with(result_schema=schema))

    @overload
    def run(self, fn: Callable[..., Awaitable[NewO]]) -> TaskBuilder[I, NewO]: ...
    @overload
    def run(self, fn: Callable[..., NewO]) -> TaskBuilder[I, NewO]: ...
    def run(self, fn: Callable[..., Any]) -> TaskBuilder[I, Any]:
        self._require_callable("run", fn)
        return self._with(run=fn)

    def build(self) -> Task[I, O]:
        if self._fields.get("run") is None and not self._fields.get("phantom"):
            raise DefinitionError(
                f'Task "{self._id}" has no run function',
                source=self._source,
                remediation="Add .run(your_function), or declare it with r.task.phantom(...) "
                "when a tunnel provides it.",
            )
        return Task(**self._fields)


class EventBuilder(_Described, Generic[P]):
    __slots__ = ()
    _kind = "Event"

    def payload_schema(self, schema: type[NewP]) -> EventBuilder[NewP]:
        return cast("EventBuilder[NewP]", self._with(payload_schema=schema))

    def build(self) -> Event[P]:
        return Event(**self._fields)


class HookBuilder(_Dependent, Generic[P]):
    __slots__ = ()
    _kind = "Hook"

    def on(self, *events: Event[Any] | Literal["*"]) -> HookBuilder[Any]:
        if events == ("*",):
            return self._with(on="*")
        for event in events:
            if not isinstance(event, Event):
                raise DefinitionError(
                    f'Hook "{self._id}" .on() takes events, or "*" alone; got {event!r}',
                    source=self._source,
                )
        return self._with(on=tuple(events))

    def order(self, order: int) -> Self:
        return self._with(order=order)

    def run(self, fn: Callable[..., Any]) -> Self:
        self._require_callable("run", fn)
        return self._with(run=fn)

    def build(self) -> Hook[P]:
        missing = [name for name in ("on", "run") if name not in self._fields]
        if missing:
            raise DefinitionError(
                f'Hook "{self._id}" is missing ' + " and ".join(f".{name}()" for name in missing),
                source=self._source,
                remediation="A hook needs .on(event) (or .on('*')) and .run(fn) before .build().",
            )
        return Hook(**self._fields)


class TagBuilder(_Described, Generic[C]):
    __slots__ = ()
    _kind = "Tag"

    def config_schema(self, schema: type[NewC]) -> TagBuilder[NewC]:
        return cast("TagBuilder[NewC]", self._with(config_schema=schema))

    def config(self, default: NewC) -> TagBuilder[NewC]:
        """The config used when the tag is attached without one."""
        return cast("TagBuilder[NewC]", self._with(default_config=default))

    def for_(self, *targets: TagTarget) -> Self:
        return self._with(targets=frozenset(targets))

    def build(self) -> Tag[C]:
        return Tag(**self._fields)


class TaskMiddlewareBuilder(_MiddlewareBuilder, Generic[C]):
    __slots__ = ()
    _kind = "Task middleware"

    def config_schema(self, schema: type[NewC]) -> TaskMiddlewareBuilder[NewC]:
        return cast("TaskMiddlewareBuilder[NewC]", self._with(config_schema=schema))

    def everywhere(self, predicate: bool | Callable[[Task[Any, Any]], bool] = True) -> Self:
        """Apply to every task (or every task the predicate accepts), decided at build time."""
        return self._with(everywhere=predicate)

    def build(self) -> TaskMiddleware[C]:
        return TaskMiddleware(**self._checked())


class ResourceMiddlewareBuilder(_MiddlewareBuilder, Generic[C]):
    __slots__ = ()
    _kind = "Resource middleware"

    def config_schema(self, schema: type[NewC]) -> ResourceMiddlewareBuilder[NewC]:
        return cast("ResourceMiddlewareBuilder[NewC]", self._with(config_schema=schema))

    def everywhere(self, predicate: bool | Callable[[Resource[Any, Any]], bool] = True) -> Self:
        """Apply to every resource (or those the predicate accepts), decided at build time."""
        return self._with(everywhere=predicate)

    def build(self) -> ResourceMiddleware[C]:
        return ResourceMiddleware(**self._checked())


def builtin_task_middleware(
    id: str, implementation: str, config: type[Any], source: Source
) -> TaskMiddleware[Any]:
    """A built-in task middleware: its run is the runtime class ``"module:Class"``."""
    builder = new_builder(TaskMiddlewareBuilder, "Task middleware", id, source)
    return builder._with(implementation=implementation, config_schema=config).build()


def builtin_resource_middleware(
    id: str, implementation: str, config: type[Any], source: Source
) -> ResourceMiddleware[Any]:
    builder = new_builder(ResourceMiddlewareBuilder, "Resource middleware", id, source)
    return builder._with(implementation=implementation, config_schema=config).build()


class AsyncContextBuilder(_Builder, Generic[V]):
    __slots__ = ()
    _kind = "Async context"

    def schema(self, schema: type[NewV]) -> AsyncContextBuilder[NewV]:
        """The value type; values given to ``provide`` are validated against it."""
        return cast("AsyncContextBuilder[NewV]", self._with(schema=schema))

    def build(self) -> AsyncContextDefinition[V]:
        schema = self._fields.get("schema")
        validate = cast("Callable[[object], V]", validator_for(schema)) if schema else None
        return AsyncContextDefinition(self._id, self._source, validate=validate)


class ErrorBuilder(_Builder, Generic[V]):
    __slots__ = ()
    _kind = "Error"

    def data_schema(self, schema: type[NewV]) -> ErrorBuilder[NewV]:
        return cast("ErrorBuilder[NewV]", self._with(data_schema=schema))

    def http_code(self, code: int) -> Self:
        if isinstance(code, bool) or not 100 <= code <= 599:
            raise DefinitionError(
                f'Error "{self._id}" http code must be an integer from 100 to 599, got {code!r}',
                source=self._source,
            )
        return self._with(http_code=code)

    def format(self, fn: Callable[[V], str]) -> Self:
        self._require_callable("format", fn)
        return self._with(format=fn)

    def remediation(self, advice: str | Callable[[V], str]) -> Self:
        return self._with(remediation=advice)

    def meta(self, **meta: object) -> Self:
        """Title, description and other facts about the error (Runner's ``.meta()``)."""
        return self._with(meta=self._meta(meta))

    def build(self) -> ErrorDefinition[V]:
        fields = dict(self._fields)
        return ErrorDefinition(fields.pop("id"), fields.pop("source"), **fields)


def _attachments(
    builder: _Builder, items: tuple[object, ...], kind: type[Any]
) -> tuple[MiddlewareAttachment[Any], ...]:
    attachments: list[MiddlewareAttachment[Any]] = list(builder._fields.get("middleware", ()))
    for item in items:
        if isinstance(item, kind):
            item = MiddlewareAttachment(item, None, builder._source)
        if not isinstance(item, MiddlewareAttachment) or not isinstance(item.middleware, kind):
            expected = "task middleware" if kind is TaskMiddleware else "resource middleware"
            raise DefinitionError(
                f'{builder._kind} "{builder._id}" was given {item!r} where {expected} is expected',
                source=builder._source,
            )
        attachments.append(item)
    return tuple(attachments)


B = TypeVar("B", bound=_Builder)


def new_builder(builder: type[B], kind: str, id: str, source: Source, **extra: Any) -> B:
    return builder({"id": validate_id(kind, id, source), "source": source, **extra})
