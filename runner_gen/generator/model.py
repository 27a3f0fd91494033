"""The app model: what is registered, resolved and validated, frozen before any code is written.

Analysis (``analysis.analyse``) builds it from the loaded definitions; lowering reads it and never
looks at the raw graph again. Every question lowering asks (which middleware wrap this task, in
which order do this event's hooks run, what does this tag mark) has its answer stored here, so
each is answered once, in linear time, and the same way for every consumer (wiring, exposure,
client, doctor, graph).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from runner_gen.definitions.source import Source
from runner_gen.generator.annotations import Annotation, Signature
from runner_gen.generator.load import Registration
from runner_gen.generator.locate import Locator

Kind = Literal[
    "resource",
    "task",
    "event",
    "hook",
    "tag",
    "task_middleware",
    "resource_middleware",
    "async_context",
    "error",
]

#: The functions a definition may declare; the keys of ``Node.functions``.
FunctionRole = Literal["init", "dispose", "health", "context", "run"]

NONE_TYPE = Annotation("None", ())


@dataclass(frozen=True, slots=True)
class DependencyUse:
    """One ``.dependencies(key=target)`` entry, resolved against what is registered."""

    key: str
    target_id: str
    optional: bool
    registered: bool  # False: an absent optional dependency, injected as None


@dataclass(frozen=True, slots=True)
class ConfigRef:
    """Where generated code finds a config at start: a definition object's ``.config``, or the
    default config of a definition registered bare (its schema validated against no fields)."""

    locator: Locator
    default_of: bool = False  # True: ``default_config(<locator>)``; False: ``<locator>.config``


@dataclass(frozen=True, slots=True)
class MiddlewareUse:
    """One layer of a task's or resource's middleware chain (outermost first)."""

    middleware_id: str
    config: ConfigRef
    fallback_task_id: str | None = None  # the fallback middleware's task, when it names one


@dataclass(frozen=True, slots=True)
class TagUse:
    tag_id: str
    config: ConfigRef


@dataclass(frozen=True, slots=True)
class Node:
    """A registered definition and every fact about it that lowering needs."""

    id: str
    kind: Kind
    definition: Any
    registration: Registration
    index: int  # registration order
    dependencies: tuple[DependencyUse, ...] = ()
    functions: Mapping[FunctionRole, Signature] = field(
        default_factory=lambda: MappingProxyType({})
    )
    middleware: tuple[MiddlewareUse, ...] = ()  # tasks and resources: the whole chain
    tags: tuple[TagUse, ...] = ()
    hooks: tuple[str, ...] = ()  # events: the hooks that run, in call order
    tagged: tuple[str, ...] = ()  # tags: the tasks and resources that carry it
    config: ConfigRef | None = None  # resources with a config schema (not the root)
    input_type: Annotation | None = None  # tasks: None when the task takes no input
    result_type: Annotation = NONE_TYPE  # tasks
    payload_type: Annotation = NONE_TYPE  # events
    config_type: Annotation | None = None  # tags and resources with a config schema
    reemitting_hooks: tuple[str, ...] = ()  # events: hooks emitting it themselves (self-skip)
    cycle_guard: bool = False  # events: its emissions can recurse (guarded at run time)

    @property
    def source(self) -> Source:
        source: Source = self.definition.source
        return source

    @property
    def locator(self) -> Locator:
        return self.registration.locator

    @property
    def call_scoped(self) -> bool:
        """A resource created for each call of a task that depends on it (``.scope("call")``)."""
        return self.kind == "resource" and getattr(self.definition, "scope", "app") == "call"


@dataclass(frozen=True, slots=True)
class Exposure:
    """An HTTP exposure and what its allow-lists resolved to."""

    id: str
    task_ids: tuple[str, ...]
    event_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Routing:
    """Tunnels and exposures, decided at build time."""

    task_tunnels: Mapping[str, str]  # task id -> client tunnel resource id
    #: event id -> (tunnel id, delivery mode, whether the remote is asked for the payload)
    event_tunnels: Mapping[str, tuple[str, str, bool]]
    exposures: Mapping[str, Exposure]
    consuming: frozenset[str]  # tunnels that deliver remote emissions to local hooks
    #: custom tunnels: routed tasks call their value's run(task, input), events its emit()
    custom: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class AppModel:
    spec: str
    root_id: str
    root_has_config: bool  # the root was registered with ``.with_(...)`` (a default config)
    nodes: Mapping[str, Node]  # registration order, implicit built-ins included
    order: tuple[str, ...]  # init order
    edges: Mapping[str, tuple[str, ...]]  # node id -> what it needs first
    routing: Routing
    project_root: Path
    warnings: tuple[str, ...] = ()

    def of_kind(self, kind: Kind) -> list[Node]:
        return [node for node in self.nodes.values() if node.kind == kind]

    @property
    def error_ids(self) -> tuple[str, ...]:
        return tuple(node.id for node in self.nodes.values() if node.kind == "error")

    @property
    def tag_ids(self) -> tuple[str, ...]:
        return tuple(node.id for node in self.nodes.values() if node.kind == "tag")

    def has(self, node_id: str) -> bool:
        return node_id in self.nodes
