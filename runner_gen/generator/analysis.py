"""Analyse a loaded app into its frozen model: resolve, validate, read signatures, order.

Every problem is collected (not just the first) so one build reports everything wrong, each
with the definition's id, its file:line and a fix. Phases that need a sound input stop the
analysis when an earlier phase found problems.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from typing import Any

from runner_gen.definitions.defaults import default_config
from runner_gen.definitions.errors import DefinitionError
from runner_gen.definitions.kinds import MiddlewareAttachment, OptionalDependency, Resource, Task
from runner_gen.generator.annotations import Annotation, Signature, TypeImport
from runner_gen.generator.builtin_ids import STORE_ID
from runner_gen.generator.emission import EmissionFacts, emission_facts
from runner_gen.generator.facts import ChainEntry, Facts, fallback_task
from runner_gen.generator.load import LoadedApp, Registration
from runner_gen.generator.locate import Locator
from runner_gen.generator.model import (
    NONE_TYPE,
    AppModel,
    ConfigRef,
    DependencyUse,
    Exposure,
    FunctionRole,
    MiddlewareUse,
    Node,
    Routing,
    TagUse,
)
from runner_gen.generator.ordering import build_graph, dependency_edges
from runner_gen.generator.problems import Problems
from runner_gen.generator.resolve import Registry
from runner_gen.generator.routing import resolve_routing
from runner_gen.generator.scopes import check_scopes
from runner_gen.generator.signatures import read_signatures
from runner_gen.generator.types import type_annotation
from runner_gen.generator.validate import check_references

_ANY = Annotation("Any", (TypeImport("typing", "Any", "Any"),))


def analyse(loaded: LoadedApp) -> AppModel:
    problems = Problems()
    registry = Registry(loaded, problems)
    routing = resolve_routing(registry.entries.values())
    problems.extend(routing.problems)
    check_references(registry, set(routing.task_tunnels), problems)
    check_scopes(registry, loaded.root.id, problems)
    problems.raise_if_any()
    signatures = read_signatures(registry, problems)
    problems.raise_if_any()
    facts = Facts(registry, problems)
    graph = build_graph(registry, facts, routing, loaded.root.id, problems)
    problems.raise_if_any()
    emissions = emission_facts(registry, facts, dependency_edges(registry, facts))
    builder = _NodeBuilder(loaded, registry, facts, signatures, problems, emissions)
    nodes = {
        node_id: builder.node(node_id, index) for index, node_id in enumerate(registry.entries)
    }
    problems.raise_if_any()
    order = tuple(node_id for node_id in graph.init_order() if node_id in nodes)
    return AppModel(
        spec=loaded.spec,
        root_id=loaded.root.id,
        root_has_config=loaded.root_attachment is not None,
        nodes=MappingProxyType(nodes),
        order=order,
        edges=MappingProxyType({node_id: tuple(graph.needs(node_id)) for node_id in order}),
        routing=Routing(
            task_tunnels=MappingProxyType(dict(routing.task_tunnels)),
            event_tunnels=MappingProxyType(dict(routing.event_tunnels)),
            exposures=MappingProxyType(
                {
                    exposure_id: Exposure(exposure_id, tuple(tasks), tuple(events))
                    for exposure_id, (tasks, events) in routing.exposures.items()
                }
            ),
            consuming=frozenset(routing.consuming),
            custom=frozenset(routing.custom),
        ),
        project_root=loaded.project_root,
        warnings=tuple(routing.warnings),
    )


class _NodeBuilder:
    """Turns each registration into a ``Node`` carrying every fact lowering needs."""

    def __init__(
        self,
        loaded: LoadedApp,
        registry: Registry,
        facts: Facts,
        signatures: dict[str, dict[FunctionRole, Signature]],
        problems: Problems,
        emissions: dict[str, EmissionFacts],
    ) -> None:
        self.loaded = loaded
        self.registry = registry
        self.facts = facts
        self.signatures = signatures
        self.problems = problems
        self.emissions = emissions

    def node(self, node_id: str, index: int) -> Node:
        registration = self.registry.entries[node_id]
        definition = registration.definition
        kind = definition.kind
        functions = self.signatures.get(node_id, {})
        node = Node(
            id=node_id,
            kind=kind,
            definition=definition,
            registration=registration,
            index=index,
            dependencies=self._dependencies(definition),
            functions=MappingProxyType(functions),
            middleware=tuple(
                self._middleware(registration, e) for e in self.facts.chains.get(node_id, ())
            ),
            tags=tuple(
                self._tag_use(registration, position)
                for position in range(len(getattr(definition, "tags", ())))
            ),
            hooks=self.facts.hooks.get(node_id, ()),
            tagged=self.facts.tagged.get(node_id, ()),
        )
        if kind == "resource" and definition is not self.loaded.root:
            node = _replace(node, config=self._resource_config(registration))
        if kind == "resource" and definition.config_schema is not None:
            # The config is validated against its schema, so the schema is its type; one that
            # cannot be written falls back to the init's annotation.
            node = _replace(node, config_type=type_annotation(definition.config_schema))
        elif kind == "task":
            input_type, result_type = self._task_types(definition, functions.get("run"))
            node = _replace(node, input_type=input_type, result_type=result_type)
        elif kind == "event":
            schema = definition.payload_schema
            payload = NONE_TYPE if schema is None else self._schema(schema, definition)
            emission = self.emissions[node_id]
            node = _replace(
                node,
                payload_type=payload,
                reemitting_hooks=emission.reemitting_hooks,
                cycle_guard=emission.guarded,
            )
        elif kind == "tag" and definition.config_schema is not None:
            node = _replace(node, config_type=self._schema(definition.config_schema, definition))
        return node

    def _dependencies(self, definition: Any) -> tuple[DependencyUse, ...]:
        uses = []
        for key, dependency in self.registry.dependencies(definition).items():
            optional = isinstance(dependency, OptionalDependency)
            target = dependency.target if optional else dependency
            registered = target.id in self.registry.entries or target.id == STORE_ID
            uses.append(DependencyUse(key, target.id, optional, registered))
        return tuple(uses)

    def definition_locator(self, registration: Registration) -> Locator:
        """How generated code reaches the definition object itself (not its attachment)."""
        if registration.attachment is None:
            return registration.locator
        found = self.loaded.index.find(registration.definition)
        return found or registration.locator.child("resource")

    def _middleware(self, owner: Registration, entry: ChainEntry) -> MiddlewareUse:
        attachment = entry.attachment
        middleware = attachment.middleware
        fallback = fallback_task(attachment)
        fallback_id = fallback.id if fallback is not None else None
        if entry.position is not None and attachment.config is not None:
            found = self.loaded.index.find(attachment)
            locator = found or self.definition_locator(owner).child("middleware", entry.position)
            return MiddlewareUse(middleware.id, ConfigRef(locator), fallback_id)
        registered = self.registry.entries[middleware.id]
        if entry.position is None and isinstance(registered.attachment, MiddlewareAttachment):
            # An everywhere middleware registered as ``middleware.with_(config)``.
            return MiddlewareUse(middleware.id, ConfigRef(registered.locator), fallback_id)
        # Attached bare, or everywhere: the middleware's documented defaults, as in Runner.
        try:
            default_config(middleware)
        except DefinitionError as error:
            self.problems.add(
                "middleware_config_missing",
                f'Middleware "{middleware.id}" on "{owner.definition.id}" was attached without '
                f"a config, and its config has required fields ({_details(error)})",
                attachment.source,
                f"Attach it with {middleware.id}.with_(...), giving those fields.",
            )
        locator = self.registry.entries[middleware.id].locator
        return MiddlewareUse(middleware.id, ConfigRef(locator, default_of=True), fallback_id)

    def _tag_use(self, owner: Registration, position: int) -> TagUse:
        attachment = owner.definition.tags[position]
        found = self.loaded.index.find(attachment)
        locator = found or self.definition_locator(owner).child("tags", position)
        return TagUse(attachment.tag.id, ConfigRef(locator))

    def _resource_config(self, registration: Registration) -> ConfigRef | None:
        definition: Resource[Any, Any] = registration.definition
        if definition.config_schema is None:
            return None
        if registration.attachment is not None:
            return ConfigRef(registration.locator)
        try:
            default_config(definition)
        except DefinitionError:
            self.problems.add(
                "resource_config_missing",
                f'Resource "{definition.id}" has a config schema but was registered without '
                "a config, and its schema has required fields",
                definition.source,
                "Register it with .with_(...) and a config.",
            )
            return None
        return ConfigRef(self.definition_locator(registration), default_of=True)

    def _task_types(
        self, definition: Task[Any, Any], run: Signature | None
    ) -> tuple[Annotation | None, Annotation]:
        """(input, result) of a task: from its run function, or for a phantom task from its
        schemas. ``None`` input: the task takes none."""
        if run is not None:
            parameter = run.positional[0].annotation if run.positional else None
            return parameter, run.returns or NONE_TYPE
        schema_input = definition.input_schema
        input_type = None if schema_input is None else self._schema(schema_input, definition)
        schema_result = definition.result_schema
        # Runner types a phantom task without schemas as returning anything.
        result = _ANY if schema_result is None else self._schema(schema_result, definition)
        return input_type, result

    def _schema(self, schema: object, owner: Any) -> Annotation:
        annotation = type_annotation(schema)
        if annotation is None:
            self.problems.add(
                "unsupported_schema",
                f'the schema {schema!r} of "{owner.id}" cannot be written as a type annotation',
                owner.source,
                "Use a class (pydantic model, dataclass, TypedDict) or a builtin generic of them.",
            )
            return _ANY
        return annotation


def _details(error: DefinitionError) -> str:
    """The field errors of a failed config validation, without its preamble and location."""
    text = error.message.rsplit(" (at ", 1)[0]
    return text.split(": ", 1)[-1]


def _replace(node: Node, **changes: Any) -> Node:
    return replace(node, **changes)
