"""Plan: validate the loaded graph and decide every line of the generated ``start()``.

All problems are collected (not just the first) so one build reports everything wrong,
each with the definition's id, its file:line and a fix.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner_gen._version import __version__
from runner_gen.definitions.defaults import default_config
from runner_gen.definitions.errors import DefinitionError
from runner_gen.definitions.kinds import (
    Event,
    Hook,
    MiddlewareAttachment,
    OptionalDependency,
    Override,
    Resource,
    ResourceMiddleware,
    Tag,
    TagAttachment,
    Task,
    TaskMiddleware,
    dependencies_of,
)
from runner_gen.definitions.source import Source
from runner_gen.generator.annotations import (
    Annotation,
    Signature,
    SignatureError,
    SignatureReader,
    TypeImport,
)
from runner_gen.generator.graph import Graph
from runner_gen.generator.ir import (
    AppPlan,
    Call,
    EventStep,
    ExposureStep,
    HookCall,
    InfoIR,
    Kwarg,
    Layer,
    MiddlewareStep,
    RemoteIR,
    ResourceStep,
    Step,
    StoreStep,
    TaggedIR,
    TagStep,
    TagUseIR,
    TaskStep,
    ValueStep,
)
from runner_gen.generator.load import LoadedApp, Registration
from runner_gen.generator.locate import Locator
from runner_gen.generator.names import ImportTable, attribute_names
from runner_gen.generator.problems import BuildError, Problem
from runner_gen.generator.remote_modules import adapter_name, plan_remote_module
from runner_gen.generator.routing import resolve_routing
from runner_gen.generator.types import type_annotation

STORE_ID = "globals.resources.store"
METRICS_ID = "globals.resources.metrics"
CACHE_ID = "globals.resources.cache"
CACHE_MIDDLEWARE_ID = "globals.middleware.task.cache"
FALLBACK_ID = "globals.middleware.task.fallback"
METRICS_MIDDLEWARE_VAR = "mw_metrics"
TRACING_ID = "globals.resources.tracing"
TRACING_MIDDLEWARE_VAR = "mw_tracing"
LOGGER_ID = "globals.resources.logger"
EXCLUDE_FROM_GLOBAL_HOOKS = "globals.tags.exclude_from_global_hooks"
_NONE = Annotation("None", ())
_ANY = Annotation("Any", (TypeImport("typing", "Any", "Any"),))
_TAG_TARGET_OF_KIND = {
    "task": "tasks",
    "resource": "resources",
    "event": "events",
    "hook": "hooks",
    "task_middleware": "task_middleware",
    "resource_middleware": "resource_middleware",
}


@dataclass
class _Node:
    registration: Registration
    index: int

    @property
    def definition(self) -> Any:
        return self.registration.definition


def plan_app(loaded: LoadedApp, package: str) -> AppPlan:
    return _Planner(loaded, package).plan()


@dataclass(frozen=True)
class GraphView:
    """The validated graph for display: ids in init order, with kinds and edges."""

    order: list[str]
    kinds: dict[str, str]
    edges: dict[str, list[str]]


def analyse(loaded: LoadedApp) -> _Planner:
    """A fully validated planner, for tools that inspect the app (doctor)."""
    planner = _Planner(loaded, "")
    planner.plan()
    return planner


def graph_view(loaded: LoadedApp) -> GraphView:
    planner = _Planner(loaded, "")
    planner.plan()
    kinds = {node_id: node.definition.kind for node_id, node in planner.nodes.items()}
    edges = {node_id: list(planner.graph.needs(node_id)) for node_id in planner.order}
    return GraphView(planner.order, kinds, edges)


class _Planner:
    def __init__(self, loaded: LoadedApp, package: str) -> None:
        self.loaded = loaded
        self.package = package
        self.problems: list[Problem] = []
        self.nodes: dict[str, _Node] = {}
        self.overrides: dict[str, Override] = {}
        self.reader = SignatureReader()
        self.imports = ImportTable()
        self.signatures: dict[int, Signature] = {}
        self._resolved: dict[int, Mapping[str, Any]] = {}
        self.wiring_adapters: dict[str, str] = {}  # type text -> TypeAdapter constant
        self.graph = Graph()
        self.defs_alias = self.imports.function("runner_gen.definitions.defaults", "untyped")
        self.imports.private("runner_gen.runtime", "wiring", "_rt")
        self.imports.private("runner_gen.runtime.events", "Emission", "_Emission")
        self.imports.private("runner_gen.runtime.custom", "TaskCall", "_TaskCall")
        self.imports.private("runner_gen.runtime.custom", "ResourceCall", "_ResourceCall")

    # -- entry -------------------------------------------------------------------------

    def plan(self) -> AppPlan:
        self._register()
        self._apply_overrides()
        self.routing = resolve_routing(node.registration for node in self.nodes.values())
        self.problems.extend(self.routing.problems)
        self._check_references()
        self._stop_if_problems()
        self._read_signatures()
        self._stop_if_problems()
        self._build_graph()
        self._stop_if_problems()
        order = [node for node in self.graph.init_order() if node in self.nodes]
        self.order = order
        self._name_everything()
        steps = [step for node in order for step in self._steps_for(node)]
        self._stop_if_problems()
        return self._assemble(steps)

    def _stop_if_problems(self) -> None:
        if self.problems:
            raise BuildError(self.problems)

    def _deps(self, definition: Any) -> Mapping[str, Any]:
        """Dependencies of a definition, resolving the function form once."""
        key = id(definition)
        cached = self._resolved.get(key)
        if cached is None:
            try:
                cached = dependencies_of(definition)
            except DefinitionError as error:
                self._problem("invalid_dependency", error.message, error.source)
                cached = {}
            except Exception as error:
                self._problem(
                    "invalid_dependency",
                    f'the dependencies function of "{definition.id}" raised '
                    f"{type(error).__name__}: {error}",
                    definition.source,
                )
                cached = {}
            self._resolved[key] = cached
        return cached

    def _problem(
        self, code: str, message: str, source: Source | None, remediation: str | None = None
    ) -> None:
        self.problems.append(Problem(code, message, source, remediation))

    # -- registration --------------------------------------------------------------------

    def _register(self) -> None:
        for registration in self.loaded.registrations:
            self._add(registration)
        # Built-ins (globals.*) are registered implicitly when something refers to them.
        pending = list(self.nodes.values())
        while pending:
            node = pending.pop()
            for target in self._referenced(node.definition):
                if target.id in self.nodes or not target.id.startswith("globals."):
                    continue
                locator = self.loaded.index.find(target)
                if locator is None:  # pragma: no cover - every global is module-level
                    continue
                added = self._add(Registration(target, None, None, locator))
                if added is not None:
                    pending.append(added)

    def _add(self, registration: Registration) -> _Node | None:
        definition = registration.definition
        existing = self.nodes.get(definition.id)
        if existing is not None:
            same = existing.definition is definition
            self._problem(
                "duplicate_registration",
                f'{_kind_label(definition)} "{definition.id}" already registered '
                f"(first at {existing.definition.source})"
                + (" : the same definition was registered twice" if same else ""),
                registration.definition.source,
                "Give each definition a unique id, and register each one once.",
            )
            return None
        node = _Node(registration, len(self.nodes))
        self.nodes[definition.id] = node
        return node

    def _referenced(self, definition: Any) -> list[Any]:
        found: list[Any] = []
        for dependency in self._deps(definition).values():
            target = dependency.target if isinstance(dependency, OptionalDependency) else dependency
            if not isinstance(dependency, OptionalDependency):
                found.append(target)
        for attachment in getattr(definition, "middleware", ()):
            found.append(attachment.middleware)
        if isinstance(definition, Hook) and definition.on != "*":
            found.extend(definition.on)
        if getattr(definition, "id", None) == CACHE_ID:
            from runner_gen.definitions.builtins import cache

            found.append(cache)  # the cache resource is the cache middleware's instance
        return found

    def _apply_overrides(self) -> None:
        for override in self.loaded.overrides:
            target_id = override.target.id
            if target_id not in self.nodes:
                self._problem(
                    "override_target_not_registered",
                    f'Override target "{target_id}" is not registered, so it cannot be overridden',
                    override.source,
                    f'Register "{target_id}" in the app, or drop the override.',
                )
            elif target_id in self.overrides:
                self._problem(
                    "override_duplicate_target",
                    f'Override target "{target_id}" is overridden more than once '
                    f"(also at {self.overrides[target_id].source})",
                    override.source,
                )
            else:
                self.overrides[target_id] = override

    # -- reference checks ----------------------------------------------------------------

    def _check_references(self) -> None:
        for node in list(self.nodes.values()):
            definition = node.definition
            for key, dependency in self._deps(definition).items():
                optional = isinstance(dependency, OptionalDependency)
                target = dependency.target if optional else dependency
                registered = self.nodes.get(target.id)
                if registered is None and not optional and target.id != STORE_ID:
                    self._problem(
                        "dependency_not_found",
                        f'Dependency "{key}" of {_kind_label(definition)} "{definition.id}" '
                        f'refers to "{target.id}", which is not registered',
                        definition.source,
                        f'Register "{target.id}" through a resource\'s .register(...), or make '
                        f"the dependency optional with .optional().",
                    )
                elif registered is not None and registered.definition is not target:
                    self._problem(
                        "dependency_not_found",
                        f'Dependency "{key}" of "{definition.id}" refers to a different '
                        f'definition than the registered "{target.id}"',
                        definition.source,
                        "Depend on the very definition object you register.",
                    )
                if isinstance(target, Tag) and _carries_tag(definition, target.id):
                    self._problem(
                        "tag_self_dependency",
                        f'"{definition.id}" carries the tag "{target.id}" and also depends on it',
                        definition.source,
                    )
            for attachment in getattr(definition, "middleware", ()):
                self._check_middleware(definition, attachment)
            for tag in getattr(definition, "tags", ()):
                self._check_tag(definition, tag)
            if isinstance(definition, Hook) and definition.on != "*":
                for event in definition.on:
                    if event.id not in self.nodes:
                        self._problem(
                            "event_not_found",
                            f'Hook "{definition.id}" listens to event "{event.id}", which is '
                            "not registered",
                            definition.source,
                            f'Register "{event.id}" in the app, or remove it from .on(...).',
                        )
            if (
                isinstance(definition, Task)
                and definition.phantom
                and definition.id not in self.routing.task_tunnels
            ):
                self._problem(
                    "phantom_task_not_routed",
                    f'Phantom task "{definition.id}" has no implementation and no client '
                    "tunnel routes it",
                    definition.source,
                    "Route it through a client tunnel, or give it a .run(...) function.",
                )

    def _check_middleware(self, owner: Any, attachment: MiddlewareAttachment[Any]) -> None:
        middleware = attachment.middleware
        expected = TaskMiddleware if isinstance(owner, Task) else ResourceMiddleware
        if not isinstance(middleware, expected):
            self._problem(
                "middleware_kind_mismatch",
                f'"{owner.id}" uses {_kind_label(middleware)} "{middleware.id}", which cannot '
                f"wrap a {_kind_label(owner).lower()}",
                attachment.source,
            )
        if middleware.id not in self.nodes:
            self._problem(
                "middleware_not_registered",
                f'Middleware inside {_kind_label(owner)} "{owner.id}" depends on '
                f'"{middleware.id}" but it\'s not registered',
                attachment.source,
                f'Register "{middleware.id}" through a resource\'s .register(...).',
            )

    def _check_tag(self, owner: Any, attachment: TagAttachment[Any]) -> None:
        tag = attachment.tag
        target = _TAG_TARGET_OF_KIND.get(getattr(owner, "kind", ""), "")
        if tag.targets is not None and target not in tag.targets:
            allowed = ", ".join(sorted(tag.targets))
            self._problem(
                "tag_target_not_allowed",
                f'Tag "{tag.id}" cannot be used on {_kind_label(owner).lower()} "{owner.id}" '
                f"(it is for: {allowed})",
                attachment.source,
                f'Remove the tag, or add "{target}" to the tag\'s .for_(...).',
            )
        if tag.id not in self.nodes:
            # A tag carried but never registered is legal in Runner 5.x for plain metadata;
            # register it implicitly so tag dependencies and the store can see it.
            locator = self.loaded.index.find(tag)
            if locator is not None:
                self._add(Registration(tag, None, None, locator))

    # -- signatures --------------------------------------------------------------------

    def _read_signatures(self) -> None:
        for node in self.nodes.values():
            definition = node.definition
            override = self.overrides.get(definition.id)
            if isinstance(definition, Resource):
                init = (
                    override.replacement if override and override.replacement else definition.init
                )
                dispose = override.dispose if override and override.dispose else definition.dispose
                if init is not None:
                    self._signature(definition, init, "init")
                if dispose is not None:
                    self._signature(definition, dispose, "dispose")
                if definition.context is not None:
                    self._signature(definition, definition.context, "context factory")
                if definition.health is not None:
                    self._signature(definition, definition.health, "health")
            elif isinstance(definition, Task | Hook | TaskMiddleware | ResourceMiddleware):
                run = override.replacement if override else definition.run
                if run is not None:
                    self._signature(definition, run, "run")
                context = getattr(definition, "context", None)
                if context is not None:
                    self._signature(definition, context, "context factory")

    def _signature(self, definition: Any, fn: Callable[..., Any], what: str) -> None:
        try:
            signature = self.reader.read(fn, f'{what} of "{definition.id}"')
        except SignatureError as error:
            self._problem("invalid_signature", str(error), error.source, error.remediation)
            return
        self.signatures[id(fn)] = signature
        self._check_params(definition, signature, what)

    def _check_params(self, definition: Any, signature: Signature, what: str) -> None:
        deps = set(self._deps(definition))
        has_context = getattr(definition, "context", None) is not None
        wanted = deps | ({"context"} if has_context else set())
        given = set(signature.keyword_names)
        kind = _kind_label(definition).lower()
        label = f'{what} function {signature.name}() of {kind} "{definition.id}"'
        if what == "context factory":
            if signature.positional or signature.keyword:
                self._problem(
                    "invalid_signature",
                    f"{label} must take no parameters",
                    signature.source,
                )
            return
        if what in {"dispose", "health"}:
            unexpected = given - wanted
            if unexpected:
                self._problem(
                    "run_signature_mismatch",
                    f"{label} takes keyword parameter(s) {_names(unexpected)} that are not "
                    f"declared dependencies",
                    signature.source,
                    "Declare them in .dependencies(...), or remove them from the signature.",
                )
        elif given != wanted:
            missing, unexpected = wanted - given, given - wanted
            details = []
            if missing:
                details.append(f"missing keyword parameter(s) {_names(missing)}")
            if unexpected:
                details.append(f"undeclared keyword parameter(s) {_names(unexpected)}")
            self._problem(
                "run_signature_mismatch",
                f"{label} does not match its declared dependencies: {'; '.join(details)}",
                signature.source,
                "Dependencies are passed as keyword-only parameters (after `*`), one per key "
                "of .dependencies(...).",
            )
        expected_positional = _expected_positional(definition, what)
        required = [p for p in signature.positional if not p.has_default]
        if (
            len(required) > expected_positional[1]
            or len(signature.positional) < expected_positional[0]
        ):
            self._problem(
                "run_signature_mismatch",
                f"{label} takes {len(signature.positional)} positional parameter(s); "
                f"expected {expected_positional[2]}",
                signature.source,
            )
        for param in (*signature.positional, *signature.keyword):
            if param.annotation is None:
                self._problem(
                    "missing_annotation",
                    f"parameter {param.name!r} of {signature.name}() has no type annotation",
                    signature.source,
                    "Annotate it: the generated wiring passes values by their declared types.",
                )
        if signature.returns is None and what in {"init", "run"}:
            self._problem(
                "missing_annotation",
                f"{signature.name}() has no return annotation",
                signature.source,
                "Annotate the return type (-> None when it returns nothing).",
            )

    # -- graph ----------------------------------------------------------------------------

    def _build_graph(self) -> None:
        root_id = self.loaded.root.id
        for node_id, node in self.nodes.items():
            definition = node.definition
            self.graph.add_node(node_id)
            for dependency in self._deps(definition).values():
                target = (
                    dependency.target if isinstance(dependency, OptionalDependency) else dependency
                )
                if target.id in self.nodes:
                    self.graph.add_edge(node_id, target.id)
                elif target.id == STORE_ID:
                    self.graph.add_edge(node_id, STORE_ID)
            for attachment in self.middleware_of(definition):
                self.graph.add_edge(node_id, attachment.middleware.id)
                fallback = _fallback_task(attachment)
                if fallback is not None:
                    if fallback.id in self.nodes:
                        self.graph.add_edge(node_id, fallback.id)
                    else:
                        self._problem(
                            "dependency_not_found",
                            f'The fallback of "{node_id}" is task "{fallback.id}", which is '
                            "not registered",
                            attachment.source,
                            f'Register "{fallback.id}" in the app.',
                        )
            tunnel = self.routing.task_tunnels.get(node_id)
            if tunnel is None and node_id in self.routing.event_tunnels:
                tunnel = self.routing.event_tunnels[node_id][0]
            if tunnel is not None:
                self.graph.add_edge(node_id, tunnel)
                for error_id in self._error_ids():  # remote typed errors map to these
                    self.graph.add_edge(node_id, error_id)
            if node_id in self.routing.exposures:
                served_tasks, served_events = self.routing.exposures[node_id]
                for served in (*served_tasks, *served_events, *self._error_ids()):
                    self.graph.add_edge(node_id, served)
                if METRICS_ID in self.nodes:
                    self.graph.add_edge(node_id, METRICS_ID)
            if isinstance(definition, Event):
                for hook in self._hooks_of(definition):
                    self.graph.add_edge(node_id, hook.id)
            if isinstance(definition, Tag):
                for tagged in self._tagged(definition.id):
                    self.graph.add_edge(node_id, tagged.definition.id)
            if node_id == CACHE_ID:
                self.graph.add_edge(node_id, CACHE_MIDDLEWARE_ID)
            if METRICS_ID in self.nodes and isinstance(definition, Task):
                self.graph.add_edge(node_id, METRICS_ID)
            traced = isinstance(definition, Task | Resource) and node_id != TRACING_ID
            if TRACING_ID in self.nodes and traced and definition is not self.loaded.root:
                self.graph.add_edge(node_id, TRACING_ID)
            if node_id == root_id:
                # Runner initialises the root last, after everything it registers.
                for other_id in self.nodes:
                    if other_id != root_id:
                        self.graph.add_edge(node_id, other_id)
        if STORE_ID in self.graph.nodes():
            for node_id, node in self.nodes.items():
                if isinstance(node.definition, Tag):
                    self.graph.add_edge(STORE_ID, node_id)
        for cycle in self.graph.cycles():
            self._cycle_problem(cycle)

    def _cycle_problem(self, cycle: list[str]) -> None:
        kinds = {getattr(self.nodes[n].definition, "kind", "") for n in cycle if n in self.nodes}
        path = " -> ".join(cycle)
        first = self.nodes.get(cycle[0])
        source = first.definition.source if first else None
        if "event" in kinds and "hook" in kinds:
            self._problem(
                "event_emission_cycle",
                f"Event emission cycles detected between hooks and events: {path}",
                source,
                "A hook must not (directly or through tasks and resources it depends on) emit "
                "the event that triggers it; break the loop or move the work into a task.",
            )
        else:
            self._problem(
                "circular_dependencies",
                f"Circular dependencies detected: {path}",
                source,
                "Break the cycle: move the shared part into a new resource both can depend on, "
                "or pass the value at call time instead of injecting it.",
            )

    def middleware_of(self, definition: Any) -> list[MiddlewareAttachment[Any]]:
        local = list(getattr(definition, "middleware", ()))
        if not isinstance(definition, Task | Resource):
            return local
        expected = TaskMiddleware if isinstance(definition, Task) else ResourceMiddleware
        listed = {attachment.middleware.id for attachment in local}
        everywhere: list[MiddlewareAttachment[Any]] = []
        for node in self.nodes.values():
            middleware = node.definition
            if not isinstance(middleware, expected) or middleware.id in listed:
                continue
            predicate: Any = middleware.everywhere
            applies = predicate(definition) if callable(predicate) else bool(predicate)
            if applies:
                everywhere.append(MiddlewareAttachment(middleware, None, middleware.source))
        # Everywhere-middleware wraps outside the task's own list, as Runner's global middleware.
        return [*everywhere, *local]

    def _hooks_of(self, event: Event[Any]) -> list[Hook[Any]]:
        excluded = _carries_tag(event, EXCLUDE_FROM_GLOBAL_HOOKS)
        matches: list[tuple[int, int, int, Hook[Any]]] = []
        for node in self.nodes.values():
            hook = node.definition
            if not isinstance(hook, Hook):
                continue
            if hook.on == "*":
                if not excluded:
                    matches.append((hook.order, 1, node.index, hook))
            elif any(target.id == event.id for target in hook.on):
                matches.append((hook.order, 0, node.index, hook))
        return [hook for *_, hook in sorted(matches, key=lambda m: m[:3])]

    def _tagged(self, tag_id: str) -> list[_Node]:
        return [
            node
            for node in self.nodes.values()
            if isinstance(node.definition, Task | Resource)
            and _carries_tag(node.definition, tag_id)
        ]

    # -- naming ---------------------------------------------------------------------------

    def _name_everything(self) -> None:
        by_kind: dict[str, list[str]] = {}
        for node_id, node in self.nodes.items():
            by_kind.setdefault(getattr(node.definition, "kind", "other"), []).append(node_id)
        self.attrs: dict[str, str] = {}
        for ids in by_kind.values():
            self.attrs.update(attribute_names(ids))
        self.vars: dict[str, str] = {}
        prefixes = {
            "resource": "res_",
            "task": "task_",
            "event": "emit_",
            "tag": "tag_",
            "task_middleware": "mw_",
            "resource_middleware": "mw_",
            "async_context": "ctx_",
            "error": "err_",
        }
        for node_id, node in self.nodes.items():
            kind = getattr(node.definition, "kind", "other")
            prefix = prefixes.get(kind, "value_")
            if kind.endswith("middleware"):
                prefix = "mw_task_" if kind == "task_middleware" else "mw_resource_"
            self.vars[node_id] = prefix + self.attrs[node_id]
        self.vars[STORE_ID] = "store"

    def _module(self, locator: Locator) -> str:
        return self.imports.module(locator.module)

    def _expr(self, locator: Locator) -> str:
        return locator.expression(self._module(locator))

    def _untyped(self, locator: Locator) -> str:
        return f"{self.defs_alias}({self._expr(locator)})"

    def _function(self, fn: Callable[..., Any]) -> tuple[str, Signature]:
        signature = self.signatures[id(fn)]
        return self.imports.function(signature.module, signature.name), signature

    def _annotation(self, annotation: Annotation | None, fallback: str = "Any") -> str:
        return self.imports.annotation(annotation) if annotation is not None else fallback

    def _value_of(self, dependency: Any, dependent: str) -> str:
        optional = isinstance(dependency, OptionalDependency)
        target = dependency.target if optional else dependency
        if target.id == STORE_ID:
            return "store"
        if target.id not in self.nodes:
            return "None"
        if target.id == LOGGER_ID:
            return self._child_logger_var(dependent)
        return self.vars[target.id]

    def _child_logger_var(self, dependent: str) -> str:
        return f"log_{self.vars[dependent]}"

    def _kwargs(
        self, definition: Any, signature: Signature, extra: Mapping[str, str]
    ) -> tuple[Kwarg, ...]:
        deps = self._deps(definition)
        values = {key: self._value_of(dep, definition.id) for key, dep in deps.items()}
        values |= dict(extra)
        return tuple(
            Kwarg(name, values[name]) for name in signature.keyword_names if name in values
        )

    # -- steps --------------------------------------------------------------------------

    def _steps_for(self, node_id: str) -> list[Step]:
        if node_id == STORE_ID:
            tags = tuple(
                (tag_id, self.vars[tag_id])
                for tag_id, node in self.nodes.items()
                if isinstance(node.definition, Tag)
            )
            return [StoreStep("store", STORE_ID, "", "store", tags)]
        node = self.nodes[node_id]
        definition = node.definition
        if node_id == LOGGER_ID:
            return [self._resource_step(node), *self._child_loggers()]
        if node_id in self.routing.exposures:
            return [self._exposure_step(node)]
        if node_id == METRICS_ID:
            return self._metrics_steps(node)
        if node_id == TRACING_ID:
            middleware = self.imports.function("runner_gen.runtime.tracing", "TracingMiddleware")
            instance = MiddlewareStep(
                "middleware", f"{TRACING_ID} middleware", "", TRACING_MIDDLEWARE_VAR,
                f"{middleware}({self.vars[TRACING_ID]})", False,
            )  # fmt: skip
            return [self._resource_step(node), instance]
        if node_id == CACHE_ID:
            cache = self.imports.function("runner_gen.runtime.middleware", "CacheMiddleware")
            return [
                ResourceStep(
                    "resource", CACHE_ID, _relative(definition.source), self.attrs[CACHE_ID],
                    self.vars[CACHE_ID], cache, None, None, None, None, None, None, None,
                    value_expr=self.vars[CACHE_MIDDLEWARE_ID],
                )
            ]  # fmt: skip
        if isinstance(definition, Resource):
            return [self._resource_step(node)]
        if isinstance(definition, Task):
            return [self._task_step(node)]
        if isinstance(definition, Event):
            return [self._event_step(node)]
        if isinstance(definition, Tag):
            return [self._tag_step(node)]
        if isinstance(definition, TaskMiddleware | ResourceMiddleware):
            return self._middleware_steps(node)
        if getattr(definition, "kind", None) in {"async_context", "error"}:
            return [
                ValueStep(
                    "value",
                    definition.id,
                    _relative(definition.source),
                    self.vars[node_id],
                    self._expr(node.registration.locator),
                )
            ]
        return []  # hooks are inlined into their events' emitters

    def _metrics_steps(self, node: _Node) -> list[Step]:
        """The metrics registry, sized to this app's task ids (labels can never grow), and the
        per-app middleware that times every task."""
        registry = self.imports.function("runner_gen.runtime.metrics", "Metrics")
        middleware = self.imports.function("runner_gen.runtime.metrics", "MetricsMiddleware")
        task_ids = [n for n, item in self.nodes.items() if isinstance(item.definition, Task)]
        ids = "(" + ", ".join(json.dumps(task_id) for task_id in task_ids) + ",)"
        attr = self.attrs[METRICS_ID]
        resource = ResourceStep(
            "resource", METRICS_ID, _relative(node.definition.source), attr,
            self.vars[METRICS_ID], registry, None, None, None, None, None,
            Call(registry, False, (ids,)), None,
        )  # fmt: skip
        instance = MiddlewareStep(
            "middleware", f"{METRICS_ID} middleware", "", METRICS_MIDDLEWARE_VAR,
            f"{middleware}({self.vars[METRICS_ID]})", False,
        )  # fmt: skip
        return [resource, instance]

    def _child_loggers(self) -> list[Step]:
        """One child logger per definition that depends on the logger, bound to its id, so
        every record says which definition wrote it (Runner's stable ``source``)."""
        steps: list[Step] = []
        for node_id, node in self.nodes.items():
            for dependency in self._deps(node.definition).values():
                optional = isinstance(dependency, OptionalDependency)
                target = dependency.target if optional else dependency
                if target.id == LOGGER_ID:
                    steps.append(
                        ValueStep(
                            "value",
                            f"the logger of {node_id}",
                            "",
                            self._child_logger_var(node_id),
                            f"{self.vars[LOGGER_ID]}.with_(source={json.dumps(node_id)})",
                        )
                    )
                    break
        return steps

    def _config_expr(self, node: _Node) -> str | None:
        definition = node.definition
        if definition.config_schema is None:
            return None
        registration = node.registration
        if registration.attachment is not None:
            return f"{self._untyped(registration.locator)}.config"
        try:
            default_config(definition)
        except DefinitionError:
            self._problem(
                "resource_config_missing",
                f'Resource "{definition.id}" has a config schema but was registered without '
                "a config, and its schema has required fields",
                definition.source,
                f"Register it as {self.attrs[definition.id]}.with_(...) with a config.",
            )
            return None
        helper = self.imports.function("runner_gen.definitions.defaults", "default_config")
        return f"{helper}({self._expr(self._definition_locator(node))})"

    def _definition_locator(self, node: _Node) -> Locator:
        registration = node.registration
        if registration.attachment is None:
            return registration.locator
        return self.loaded.index.find(node.definition) or registration.locator.child("resource")

    def _resource_step(self, node: _Node) -> ResourceStep:
        definition: Resource[Any, Any] = node.definition
        override = self.overrides.get(definition.id)
        init = override.replacement if override and override.replacement else definition.init
        dispose = override.dispose if override and override.dispose else definition.dispose
        attr, var = self.attrs[definition.id], self.vars[definition.id]
        is_root = definition is self.loaded.root
        has_config = definition.config_schema is not None
        config_var = ("config" if is_root else f"cfg_{attr}") if has_config else None
        config_expr = None if is_root else self._config_expr(node)
        context_var = f"ctx_{attr}" if definition.context is not None else None
        context_factory = None
        if definition.context is not None:
            context_factory, _ = self._function(definition.context)
        extra = {"context": context_var} if context_var else {}
        init_call = None
        value_type = "None"
        config_type = None
        if init is not None:
            function, signature = self._function(init)
            init_args: tuple[str, ...] = (config_var,) if config_var else ()
            init_call = Call(
                function, signature.is_async, init_args, self._kwargs(definition, signature, extra)
            )
            value_type = self._annotation(signature.returns, "None")
            if has_config and signature.positional:
                config_type = self._annotation(signature.positional[0].annotation)
        if has_config and config_type is None:
            config_type = "Any"
        dispose_call = None
        if dispose is not None:
            function, signature = self._function(dispose)
            dispose_args: tuple[str, ...] = (var,)
            if config_var and len(signature.positional) > 1:
                dispose_args = (var, config_var)
            dispose_call = Call(
                function,
                signature.is_async,
                dispose_args,
                self._kwargs(definition, signature, extra),
            )
        health_call = None
        if definition.health is not None:
            function, signature = self._function(definition.health)
            health_call = Call(
                function, signature.is_async, (var,), self._kwargs(definition, signature, extra)
            )
        layers = self._layers(node)
        info = self._info(node, "resource") if layers else None
        chained_init = None
        if layers and init_call is not None:
            chained_init = Call(
                init_call.function,
                init_call.is_async,
                ("config",) if config_var else (),
                init_call.keywords,
            )
        return ResourceStep(
            "resource",
            definition.id,
            _relative(definition.source),
            attr,
            var,
            value_type,
            config_var,
            config_type,
            config_expr,
            context_var,
            context_factory,
            init_call,
            dispose_call,
            layers,
            info,
            is_root,
            chained_init,
            health_call,
        )

    def task_types(self, definition: Task[Any, Any]) -> tuple[Annotation | None, Annotation]:
        """(input, result) annotations of a task: from its run function, or for a phantom
        task from its input/result schemas. ``None`` input: the task takes none."""
        override = self.overrides.get(definition.id)
        run = override.replacement if override and override.replacement else definition.run
        if run is not None:
            signature = self.signatures[id(run)]
            parameter = signature.positional[0].annotation if signature.positional else None
            result = signature.returns or _NONE
            return parameter, result
        schema_input = definition.input_schema
        input_annotation = None if schema_input is None else self._schema(schema_input, definition)
        result_schema = definition.result_schema
        result = _NONE if result_schema is None else self._schema(result_schema, definition)
        return input_annotation, result

    def payload_type(self, event: Event[Any]) -> Annotation:
        schema = event.payload_schema
        return _NONE if schema is None else self._schema(schema, event)

    def _schema(self, schema: object, owner: Any) -> Annotation:
        annotation = type_annotation(schema)
        if annotation is None:
            self._problem(
                "unsupported_schema",
                f'the schema {schema!r} of "{owner.id}" cannot be written as a type annotation',
                owner.source,
                "Use a class (pydantic model, dataclass, TypedDict) or a builtin generic of them.",
            )
            return _ANY
        return annotation

    def _wiring_adapter(self, annotation: Annotation) -> str:
        """A module-level ``TypeAdapter`` in wiring.py for ``annotation``, created once."""
        text = self.imports.annotation(annotation, runtime=True)
        name = self.wiring_adapters.get(text)
        if name is None:
            name = adapter_name(text, set(self.wiring_adapters.values()))
            self.wiring_adapters[text] = name
        return name

    def _task_step(self, node: _Node) -> TaskStep:
        definition: Task[Any, Any] = node.definition
        input_annotation, result_annotation = self.task_types(definition)
        input_type = None if input_annotation is None else self._annotation(input_annotation)
        output_type = self._annotation(result_annotation)
        tunnel = self.routing.task_tunnels.get(definition.id)
        if tunnel is not None:
            encode = None
            if input_annotation is not None:
                encode = f"{self._wiring_adapter(input_annotation)}.dump_python"
            decode = None
            if result_annotation is not _NONE:
                decode = f"{self._wiring_adapter(result_annotation)}.validate_python"
            return TaskStep(
                "task",
                definition.id,
                _relative(definition.source),
                self.attrs[definition.id],
                self.vars[definition.id],
                input_type,
                output_type,
                None,
                remote=RemoteIR(
                    self.imports.function("runner_gen.runtime.tunnel", "remote_task"),
                    self.vars[tunnel],
                    encode,
                    decode,
                    errors=self._remote_errors(),
                ),
            )
        override = self.overrides.get(definition.id)
        run = override.replacement if override and override.replacement else definition.run
        assert run is not None  # phantom tasks no tunnel routes were reported earlier
        function, signature = self._function(run)
        call = Call(
            function,
            signature.is_async,
            ("input",) if input_type is not None else (),
            self._kwargs(definition, signature, {}),
        )
        layers = self._layers(node)
        return TaskStep(
            "task",
            definition.id,
            _relative(definition.source),
            self.attrs[definition.id],
            self.vars[definition.id],
            input_type,
            output_type,
            call,
            layers,
            self._info(node, "task") if layers else None,
        )

    def _event_step(self, node: _Node) -> EventStep:
        event: Event[Any] = node.definition
        hooks = []
        for hook in self._hooks_of(event):
            override = self.overrides.get(hook.id)
            run = override.replacement if override and override.replacement else hook.run
            function, signature = self._function(run)
            call = Call(
                function, signature.is_async, ("emission",), self._kwargs(hook, signature, {})
            )
            hooks.append(HookCall(hook.id, _relative(hook.source), hook.order, call))
        payload = self.payload_type(event)
        remote = None
        forwarded = self.routing.event_tunnels.get(event.id)
        if forwarded is not None:
            tunnel, delivery = forwarded
            encode = None if payload is _NONE else f"{self._wiring_adapter(payload)}.dump_python"
            helper = self.imports.function("runner_gen.runtime.forwarding", "remote_event")
            decode = None
            if tunnel in self.routing.consuming and payload is not _NONE:
                decode = f"{self._wiring_adapter(payload)}.validate_python"
            remote = RemoteIR(helper, self.vars[tunnel], encode, decode, delivery)
        return EventStep(
            "event",
            event.id,
            _relative(event.source),
            self.attrs[event.id],
            self.vars[event.id],
            self._annotation(payload),
            tuple(hooks),
            remote,
            consumed=forwarded is not None and forwarded[0] in self.routing.consuming,
        )

    def definition(self, node_id: str) -> Any:
        return self.nodes[node_id].definition

    def error_locators(self) -> list[tuple[str, Locator]]:
        return [
            (error_id, self.nodes[error_id].registration.locator)
            for error_id in self._error_ids()
            if self.nodes[error_id].registration.locator.is_direct
        ]

    def _remote_errors(self) -> str:
        """A dict literal mapping each registered error id to its ``from_remote``."""
        entries = ", ".join(
            f"{json.dumps(error_id)}: {self.vars[error_id]}.from_remote"
            for error_id in self._error_ids()
        )
        return f"{{{entries}}}" if entries else "None"

    def _error_ids(self) -> list[str]:
        return [
            node_id
            for node_id, node in self.nodes.items()
            if getattr(node.definition, "kind", None) == "error"
        ]

    def _exposure_step(self, node: _Node) -> ExposureStep:
        definition = node.definition
        attr = self.attrs[definition.id]
        served_tasks, served_events = self.routing.exposures[definition.id]
        arguments = tuple(
            Kwarg(self.attrs[served], self.vars[served])
            for served in (*served_tasks, *served_events)
        )
        module = self.imports.module(f"{self.package}.exposure")
        config_expr = self._config_expr(node) or "None"
        errors = ", ".join(f"{self.vars[error_id]}.error_class" for error_id in self._error_ids())
        running = self.imports.function("runner_gen.runtime.exposure", "RunningExposure")
        serve = self.imports.function("runner_gen.runtime.exposure", "serve_exposure")
        config_type = self.imports.function("runner_gen.definitions.remote", "HttpExposureConfig")
        probes_class = self.imports.function("runner_gen.runtime.exposure.probes", "Probes")
        metrics_text = "None"
        if METRICS_ID in self.nodes:
            render = self.imports.function("runner_gen.runtime.metrics", "render_prometheus")
            metrics_text = f"partial({render}, {self.vars[METRICS_ID]})"
        probes = f"{probes_class}(health, {metrics_text})"
        return ExposureStep(
            "exposure",
            definition.id,
            _relative(definition.source),
            attr,
            self.vars[definition.id],
            f"cfg_{attr}",
            config_expr,
            f"{module}.create_{attr}_app",
            arguments,
            f"({errors},)" if errors else "()",
            running,
            config_type,
            serve,
            probes,
        )

    def _tag_step(self, node: _Node) -> TagStep:
        tag: Tag[Any] = node.definition
        tasks: list[TaggedIR] = []
        resources: list[TaggedIR] = []
        for tagged in self._tagged(tag.id):
            config = self._tag_config_expr(tagged, tag.id)
            entry = TaggedIR(
                tagged.definition.id,
                config,
                self.vars[tagged.definition.id],
                self._takes_input(tagged.definition),
            )
            (tasks if isinstance(tagged.definition, Task) else resources).append(entry)
        config_type = (
            self._type_of(tag.config_schema, tag) if tag.config_schema is not None else "Any"
        )
        return TagStep(
            "tag",
            tag.id,
            _relative(tag.source),
            self.vars[tag.id],
            config_type,
            tuple(tasks),
            tuple(resources),
        )

    def _takes_input(self, definition: Any) -> bool:
        if not isinstance(definition, Task):
            return True
        override = self.overrides.get(definition.id)
        run = override.replacement if override and override.replacement else definition.run
        return run is not None and bool(self.signatures[id(run)].positional)

    def _tag_config_expr(self, node: _Node, tag_id: str) -> str:
        definition = node.definition
        position = next(i for i, use in enumerate(definition.tags) if use.tag.id == tag_id)
        attachment = definition.tags[position]
        locator = self.loaded.index.find(attachment)
        if locator is not None:
            return f"{self._untyped(locator)}.config"
        return f"{self._untyped(self._definition_locator(node))}.tags[{position}].config"

    def _middleware_steps(self, node: _Node) -> list[Step]:
        middleware = node.definition
        steps: list[Step] = []
        if middleware.implementation is not None:
            module, _, name = middleware.implementation.partition(":")
            cls = self.imports.function(module, name)
            steps.append(
                MiddlewareStep(
                    "middleware", middleware.id, _relative(middleware.source),
                    self.vars[middleware.id], f"{cls}()", True,
                )
            )  # fmt: skip
        elif middleware.context is not None:
            factory, _ = self._function(middleware.context)
            steps.append(
                MiddlewareStep(
                    "middleware", middleware.id, _relative(middleware.source),
                    self.vars[middleware.id], f"{factory}()", False,
                )
            )  # fmt: skip
        return steps

    def _layers(self, node: _Node) -> tuple[Layer, ...]:
        definition = node.definition
        local = list(getattr(definition, "middleware", ()))
        layers: list[Layer] = []
        if isinstance(definition, Task) and TRACING_ID in self.nodes:
            # Outermost: the span covers everything the caller waits for.
            layers.append(Layer("builtin", TRACING_MIDDLEWARE_VAR, "None"))
        if isinstance(definition, Task) and METRICS_ID in self.nodes:
            # The measured latency is what callers see, middleware included.
            layers.append(Layer("builtin", METRICS_MIDDLEWARE_VAR, "None"))
        for position_in_chain, attachment in enumerate(self.middleware_of(definition)):
            middleware = attachment.middleware
            if attachment in local:
                position = local.index(attachment)
                found = self.loaded.index.find(attachment)
                base = (
                    self._untyped(found)
                    if found is not None
                    else f"{self._untyped(self._definition_locator(node))}.middleware[{position}]"
                )
                config = f"{base}.config"
            else:
                helper = self.imports.function("runner_gen.definitions.defaults", "default_config")
                locator = self.nodes[middleware.id].registration.locator
                config = f"{helper}({self._expr(locator)})"
            if middleware.implementation is not None:
                fallback = _fallback_task(attachment)
                if fallback is not None:
                    helper = self.imports.function(
                        "runner_gen.runtime.middleware.fallback", "fallback_to_task"
                    )
                    config = f"{helper}({config}, {self.vars[fallback.id]})"
                layers.append(Layer("builtin", self.vars[middleware.id], config))
                continue
            override = self.overrides.get(middleware.id)
            run = override.replacement if override and override.replacement else middleware.run
            assert run is not None  # custom middleware builders require .run()
            function, signature = self._function(run)
            extra = {"context": self.vars[middleware.id]} if middleware.context is not None else {}
            config_var = f"mwcfg_{self.attrs[definition.id]}_{position_in_chain}"
            has_config = middleware.config_schema is not None
            positional = ("call", config_var) if has_config else ("call",)
            call = Call(
                function, signature.is_async, positional, self._kwargs(middleware, signature, extra)
            )
            layers.append(Layer("custom", "", config, call, config_var if has_config else None))
        return tuple(layers)

    def _info(self, node: _Node, kind: str) -> InfoIR:
        definition = node.definition
        tags = tuple(
            TagUseIR(use.tag.id, self._tag_config_expr(node, use.tag.id)) for use in definition.tags
        )
        return InfoIR(
            f"info_{self.attrs[definition.id]}",
            definition.id,
            "task" if kind == "task" else "resource",
            tags,
            _relative(definition.source),
        )

    def _type_of(self, schema: object, owner: Any) -> str:
        annotation = type_annotation(schema)
        if annotation is None:
            self._problem(
                "unsupported_schema",
                f'the schema {schema!r} of "{owner.id}" cannot be written as a type annotation',
                owner.source,
                "Use a class (pydantic model, dataclass, TypedDict) or a builtin generic of them.",
            )
            return "Any"
        return self.imports.annotation(annotation)

    # -- assembly --------------------------------------------------------------------------

    def _assemble(self, steps: list[Step]) -> AppPlan:
        root = self.loaded.root
        root_node = self.nodes[root.id]
        root_step = next(s for s in steps if isinstance(s, ResourceStep) and s.is_root)
        root_default = None
        if self.loaded.root_attachment is not None:
            root_default = f"{self._untyped(root_node.registration.locator)}.config"
        all_tags = tuple(
            (tag_id, self.vars[tag_id])
            for tag_id, node in self.nodes.items()
            if isinstance(node.definition, Tag)
        )
        return AppPlan(
            app_id=root.id,
            spec=self.loaded.spec,
            package=self.package,
            version=__version__,
            root_config_type=root_step.config_type,
            root_config_default=root_default,
            steps=tuple(steps),
            type_imports=tuple(self.imports.typing_statements()),
            runtime_imports=tuple(self.imports.runtime_statements()),
            store_var="store",
            all_tag_vars=all_tags,
            resources=tuple(s for s in steps if isinstance(s, ResourceStep | ExposureStep)),
            tasks=tuple(s for s in steps if isinstance(s, TaskStep)),
            events=tuple(s for s in steps if isinstance(s, EventStep)),
            exposure_module=plan_remote_module(self, client=False),
            client_module=plan_remote_module(self, client=True),
            warnings=tuple(self.routing.warnings),
            wiring_adapters=tuple((name, text) for text, name in self.wiring_adapters.items()),
            consumers=tuple(self.vars[tunnel] for tunnel in sorted(self.routing.consuming)),
        )


def _fallback_task(attachment: MiddlewareAttachment[Any]) -> Task[Any, Any] | None:
    """The task a fallback middleware falls back to, when its config names one."""
    fallback = getattr(attachment.config, "fallback", None)
    if attachment.middleware.id == FALLBACK_ID and isinstance(fallback, Task):
        return fallback
    return None


def _kind_label(definition: Any) -> str:
    kind = getattr(definition, "kind", "definition")
    return {
        "task_middleware": "Task middleware",
        "resource_middleware": "Resource middleware",
        "async_context": "Async context",
    }.get(kind, kind.capitalize())


def _carries_tag(definition: Any, tag_id: str) -> bool:
    return any(use.tag.id == tag_id for use in getattr(definition, "tags", ()))


def _names(names: set[str]) -> str:
    return ", ".join(repr(name) for name in sorted(names))


def _expected_positional(definition: Any, what: str) -> tuple[int, int, str]:
    """(minimum, maximum, description) of positional parameters for this function."""
    has_config = getattr(definition, "config_schema", None) is not None
    if isinstance(definition, Resource):
        if what == "health":
            return (1, 1, "1 (the value)")
        if what == "init":
            return (
                (1, 1, "1 (config)")
                if has_config
                else (0, 0, "none (the resource has no config schema)")
            )
        return (
            (1, 2, "the value (and optionally the config)")
            if has_config
            else (1, 1, "1 (the value)")
        )
    if isinstance(definition, Task):
        return (0, 1, "at most 1 (the input)")
    if isinstance(definition, Hook):
        return (1, 1, "1 (the emission)")
    return (2, 2, "2 (the call and the config)") if has_config else (1, 1, "1 (the call)")


def _relative(source: Source) -> str:
    """file:line relative to the project, so generated comments do not depend on the machine."""
    path = Path(source.file).resolve()
    try:
        return f"{path.relative_to(Path.cwd().resolve())}:{source.line}"
    except ValueError:
        parts = path.parts
        if "site-packages" in parts:
            parts = parts[parts.index("site-packages") + 1 :]
        elif "runner_gen" in parts:
            parts = parts[parts.index("runner_gen") :]
        return f"{'/'.join(parts)}:{source.line}"
