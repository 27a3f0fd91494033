"""The definition kinds, as frozen records the generator reads.

Builders (``r.*``) produce these; nothing here runs on a task call. Definitions compare and
hash by identity: two definitions with the same id are a duplicate, caught by the build.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeAlias, TypeVar, cast

from runner_gen.definitions.source import Source

if TYPE_CHECKING:
    from runner_gen.definitions.context import AsyncContextDefinition
    from runner_gen.definitions.error import ErrorDefinition

ConfigT = TypeVar("ConfigT")
ValueT = TypeVar("ValueT")
InputT = TypeVar("InputT")
OutputT = TypeVar("OutputT")
PayloadT = TypeVar("PayloadT")
TargetT = TypeVar("TargetT")

ResourceScope = Literal["app", "call"]

TagTarget = Literal[
    "tasks", "resources", "events", "hooks", "task_middleware", "resource_middleware"
]

EMPTY: Mapping[str, Any] = MappingProxyType({})


def _empty() -> Mapping[str, Any]:
    return EMPTY


def dependencies_of(definition: object) -> Mapping[str, Dependency]:
    """The dependency mapping, calling the function form (Runner's lazy dependencies)."""
    dependencies = getattr(definition, "dependencies", EMPTY)
    if callable(dependencies):
        from runner_gen.definitions.builders import check_dependency

        resolved = dict(dependencies())
        for key, value in resolved.items():
            check_dependency(
                getattr(definition, "kind", "definition"),
                getattr(definition, "id", "?"),
                key,
                value,
                getattr(definition, "source", Source("<unknown>", 0)),
            )
        return MappingProxyType(resolved)
    return cast("Mapping[str, Dependency]", dependencies)


@dataclass(frozen=True, slots=True, eq=False)
class Tag(Generic[ConfigT]):
    id: str
    source: Source
    config_schema: object | None = None
    default_config: object | None = None
    targets: frozenset[TagTarget] | None = None  # None: any target
    meta: Mapping[str, object] = field(default_factory=_empty)
    kind: Literal["tag"] = "tag"

    def with_(self, config: ConfigT | None = None, /, **fields: object) -> TagAttachment[ConfigT]:
        """Attach this tag with a config (an instance, or the schema's fields as keywords)."""
        from runner_gen.definitions.attach import attach_tag

        return attach_tag(self, config, fields)

    def exists(self, target: object) -> bool:
        """Whether ``target`` (a definition, or a sequence of tags) carries this tag."""
        return any(tag_id == self.id for tag_id, _ in _tag_uses(target))

    def extract(self, target: object) -> ConfigT | None:
        """The config this tag has on ``target`` (a definition or a sequence of tags), or None
        when it does not carry the tag (Runner's ``tag.extract``)."""
        for tag_id, config in _tag_uses(target):
            if tag_id == self.id:
                return cast("ConfigT | None", config)
        return None

    def optional(self) -> OptionalDependency[Tag[ConfigT]]:
        return OptionalDependency(self)


def _tag_uses(target: object) -> list[tuple[str, object]]:
    """``(tag id, config)`` of each tag on ``target``: a definition's ``tags``, or a sequence of
    tag attachments and bare tags (a bare tag carries its base config)."""
    items = getattr(target, "tags", target)
    if not isinstance(items, tuple | list):
        return []
    uses: list[tuple[str, object]] = []
    for item in items:
        if isinstance(item, TagAttachment):
            uses.append((item.tag.id, item.config))
        elif isinstance(item, Tag):
            uses.append((item.id, item.default_config))
    return uses


@dataclass(frozen=True, slots=True, eq=False)
class TagAttachment(Generic[ConfigT]):
    tag: Tag[ConfigT]
    config: ConfigT
    source: Source


@dataclass(frozen=True, slots=True, eq=False)
class Event(Generic[PayloadT]):
    id: str
    source: Source
    payload_schema: object | None = None
    tags: tuple[TagAttachment[Any], ...] = ()
    meta: Mapping[str, object] = field(default_factory=_empty)
    kind: Literal["event"] = "event"

    def optional(self) -> OptionalDependency[Event[PayloadT]]:
        return OptionalDependency(self)


@dataclass(frozen=True, slots=True, eq=False)
class TaskMiddleware(Generic[ConfigT]):
    """Custom middleware (``run`` is a user function) or a built-in (``implementation`` is a
    runtime ``Middleware`` class, named by import path so generated code can import it)."""

    id: str
    source: Source
    run: Callable[..., Any] | None = None
    implementation: str | None = None  # "package.module:ClassName"
    config_schema: object | None = None
    dependencies: Mapping[str, Dependency] | Callable[[], Mapping[str, Dependency]] = field(
        default_factory=_empty
    )
    context: Callable[[], Any] | None = None
    everywhere: bool | Callable[[Task[Any, Any]], bool] = False
    tags: tuple[TagAttachment[Any], ...] = ()
    meta: Mapping[str, object] = field(default_factory=_empty)
    kind: Literal["task_middleware"] = "task_middleware"

    def with_(
        self, config: ConfigT | None = None, /, **fields: object
    ) -> MiddlewareAttachment[ConfigT]:
        from runner_gen.definitions.attach import attach_middleware

        return attach_middleware(self, config, fields)


@dataclass(frozen=True, slots=True, eq=False)
class ResourceMiddleware(Generic[ConfigT]):
    id: str
    source: Source
    run: Callable[..., Any] | None = None
    implementation: str | None = None
    config_schema: object | None = None
    dependencies: Mapping[str, Dependency] | Callable[[], Mapping[str, Dependency]] = field(
        default_factory=_empty
    )
    context: Callable[[], Any] | None = None
    everywhere: bool | Callable[[Resource[Any, Any]], bool] = False
    tags: tuple[TagAttachment[Any], ...] = ()
    meta: Mapping[str, object] = field(default_factory=_empty)
    kind: Literal["resource_middleware"] = "resource_middleware"

    def with_(
        self, config: ConfigT | None = None, /, **fields: object
    ) -> MiddlewareAttachment[ConfigT]:
        from runner_gen.definitions.attach import attach_middleware

        return attach_middleware(self, config, fields)


@dataclass(frozen=True, slots=True, eq=False)
class MiddlewareAttachment(Generic[ConfigT]):
    middleware: TaskMiddleware[ConfigT] | ResourceMiddleware[ConfigT]
    config: ConfigT
    source: Source

    def with_(
        self, config: ConfigT | None = None, /, **fields: object
    ) -> MiddlewareAttachment[ConfigT]:
        """A copy whose config is this one with ``fields`` laid over it (Runner merges configs
        when ``.with()`` is called again); a whole config instance replaces it."""
        from runner_gen.definitions.attach import attach_middleware

        return attach_middleware(self.middleware, config, fields, self.config)


@dataclass(frozen=True, slots=True, eq=False)
class Task(Generic[InputT, OutputT]):
    id: str
    source: Source
    run: Callable[..., Any] | None = None
    dependencies: Mapping[str, Dependency] | Callable[[], Mapping[str, Dependency]] = field(
        default_factory=_empty
    )
    middleware: tuple[MiddlewareAttachment[Any], ...] = ()
    tags: tuple[TagAttachment[Any], ...] = ()
    input_schema: object | None = None
    result_schema: object | None = None
    meta: Mapping[str, object] = field(default_factory=_empty)
    phantom: bool = False
    kind: Literal["task"] = "task"

    def optional(self) -> OptionalDependency[Task[InputT, OutputT]]:
        return OptionalDependency(self)


@dataclass(frozen=True, slots=True, eq=False)
class Hook(Generic[PayloadT]):
    id: str
    source: Source
    on: tuple[Event[Any], ...] | Literal["*"]
    run: Callable[..., Any]
    order: int = 0
    dependencies: Mapping[str, Dependency] | Callable[[], Mapping[str, Dependency]] = field(
        default_factory=_empty
    )
    tags: tuple[TagAttachment[Any], ...] = ()
    meta: Mapping[str, object] = field(default_factory=_empty)
    kind: Literal["hook"] = "hook"


@dataclass(frozen=True, slots=True, eq=False)
class Resource(Generic[ConfigT, ValueT]):
    id: str
    source: Source
    init: Callable[..., Any] | None = None
    dispose: Callable[..., Any] | None = None
    config_schema: object | None = None
    dependencies: Mapping[str, Dependency] | Callable[[], Mapping[str, Dependency]] = field(
        default_factory=_empty
    )
    register: tuple[Registrable, ...] = ()
    middleware: tuple[MiddlewareAttachment[Any], ...] = ()
    tags: tuple[TagAttachment[Any], ...] = ()
    context: Callable[[], Any] | None = None
    overrides: tuple[Override, ...] = ()
    health: Callable[..., Any] | None = None
    meta: Mapping[str, object] = field(default_factory=_empty)
    #: Seconds its dispose may take before it is abandoned; None: the app's default.
    dispose_timeout: float | None = None
    #: "app": one value for the app's life (Runner's only kind); "call": created for each call of
    #: a task that depends on it, and disposed when that call ends.
    scope: ResourceScope = "app"
    kind: Literal["resource"] = "resource"

    def with_(
        self, config: ConfigT | None = None, /, **fields: object
    ) -> ResourceWithConfig[ConfigT, ValueT]:
        """Register this resource with a config, validated against its config schema now."""
        from runner_gen.definitions.attach import attach_config

        return attach_config(self, config, fields)

    def optional(self) -> OptionalDependency[Resource[ConfigT, ValueT]]:
        return OptionalDependency(self)


@dataclass(frozen=True, slots=True, eq=False)
class ResourceWithConfig(Generic[ConfigT, ValueT]):
    resource: Resource[ConfigT, ValueT]
    config: ConfigT
    source: Source

    @property
    def id(self) -> str:
        return self.resource.id


@dataclass(frozen=True, slots=True, eq=False)
class Override:
    """Replaces the implementation of a registered definition, keeping its structure."""

    target: (
        Task[Any, Any]
        | Resource[Any, Any]
        | Hook[Any]
        | TaskMiddleware[Any]
        | ResourceMiddleware[Any]
    )
    replacement: Callable[..., Any] | None  # run (task, hook, middleware) or init (resource)
    dispose: Callable[..., Any] | None
    source: Source

    @property
    def id(self) -> str:
        return self.target.id


@dataclass(frozen=True, slots=True, eq=False)
class OptionalDependency(Generic[TargetT]):
    """A dependency that is injected as None when its target is not registered."""

    target: TargetT


Dependency: TypeAlias = (
    "Resource[Any, Any] | Task[Any, Any] | Event[Any] | Tag[Any] | AsyncContextDefinition[Any]"
    " | ErrorDefinition[Any] | OptionalDependency[Any]"
)

Registrable: TypeAlias = (
    "Resource[Any, Any] | ResourceWithConfig[Any, Any] | Task[Any, Any] | Event[Any] | Hook[Any]"
    " | Tag[Any] | TaskMiddleware[Any] | ResourceMiddleware[Any] | AsyncContextDefinition[Any]"
    " | ErrorDefinition[Any] | Override | MiddlewareAttachment[Any]"
)
