"""The dependency graph of a resolved app: its edges, cycles (as build errors) and init order."""

from __future__ import annotations

from typing import Any

from runner_gen.definitions.kinds import Event, OptionalDependency, Resource, Tag, Task
from runner_gen.generator.builtin_ids import (
    CACHE_ID,
    CACHE_MIDDLEWARE_ID,
    METRICS_ID,
    STORE_ID,
    TRACING_ID,
)
from runner_gen.generator.emission import emitter_dependencies, listened_events
from runner_gen.generator.facts import Facts, fallback_task
from runner_gen.generator.graph import Graph
from runner_gen.generator.problems import Problems
from runner_gen.generator.resolve import Registry
from runner_gen.generator.routing import Routing


def build_graph(
    registry: Registry, facts: Facts, routing: Routing, root_id: str, problems: Problems
) -> Graph:
    graph = Graph()
    entries = registry.entries
    error_ids = [i for i, r in entries.items() if getattr(r.definition, "kind", None) == "error"]
    listened = listened_events(facts)
    for node_id, registration in entries.items():
        definition = registration.definition
        graph.add_node(node_id)
        heard = listened.get(node_id, set())
        for dependency in registry.dependencies(definition).values():
            target = dependency.target if isinstance(dependency, OptionalDependency) else dependency
            if target.id in heard:
                # A hook emitting an event it listens to: that event's emitter binds it itself,
                # and the events the hook also listens to need it first (added below).
                continue
            if target.id in entries or target.id == STORE_ID:
                graph.add_edge(node_id, target.id)
        for entry in facts.chains.get(node_id, ()):
            graph.add_edge(node_id, entry.attachment.middleware.id)
            fallback = fallback_task(entry.attachment)
            if fallback is not None:
                if fallback.id in entries:
                    graph.add_edge(node_id, fallback.id)
                else:
                    problems.add(
                        "dependency_not_found",
                        f'The fallback of "{node_id}" is task "{fallback.id}", which is '
                        "not registered",
                        entry.attachment.source,
                        f'Register "{fallback.id}" in the app.',
                    )
        _routing_edges(graph, node_id, routing, error_ids, METRICS_ID in entries)
        if isinstance(definition, Event):
            for hook_id in facts.hooks[node_id]:
                graph.add_edge(node_id, hook_id)
                hook = entries[hook_id].definition
                for emitted in emitter_dependencies(registry, hook):
                    if emitted != node_id and emitted in listened.get(hook_id, ()):
                        graph.add_edge(node_id, emitted)  # this event's emitter binds it
        if isinstance(definition, Tag):
            for tagged in facts.tagged.get(node_id, ()):
                graph.add_edge(node_id, tagged)
        _builtin_edges(graph, node_id, definition, entries, root_id)
    if STORE_ID in graph.nodes():
        for node_id, registration in entries.items():
            if isinstance(registration.definition, Tag):
                graph.add_edge(STORE_ID, node_id)
    for cycle in graph.cycles():
        _cycle_problem(registry, cycle, problems)
    return graph


def dependency_edges(registry: Registry, facts: Facts) -> dict[str, list[str]]:
    """node -> what its code can call: dependencies, middleware (and a fallback task), and for
    a tag the definitions it marks (a tag accessor runs them)."""
    edges: dict[str, list[str]] = {}
    for node_id, registration in registry.entries.items():
        definition = registration.definition
        found: list[str] = []
        for dependency in registry.dependencies(definition).values():
            target = dependency.target if isinstance(dependency, OptionalDependency) else dependency
            if target.id in registry.entries:
                found.append(target.id)
        for entry in facts.chains.get(node_id, ()):
            found.append(entry.attachment.middleware.id)
            fallback = fallback_task(entry.attachment)
            if fallback is not None:
                found.append(fallback.id)
        if isinstance(definition, Tag):
            found.extend(facts.tagged.get(node_id, ()))
        edges[node_id] = found
    return edges


def _routing_edges(
    graph: Graph, node_id: str, routing: Routing, error_ids: list[str], has_metrics: bool
) -> None:
    tunnel = routing.task_tunnels.get(node_id)
    if tunnel is None and node_id in routing.event_tunnels:
        tunnel = routing.event_tunnels[node_id][0]
    if tunnel is not None:
        graph.add_edge(node_id, tunnel)
        for error_id in error_ids:  # remote typed errors map to these
            graph.add_edge(node_id, error_id)
    if node_id in routing.exposures:
        served_tasks, served_events = routing.exposures[node_id]
        for served in (*served_tasks, *served_events, *error_ids):
            graph.add_edge(node_id, served)
        if has_metrics:
            graph.add_edge(node_id, METRICS_ID)


def _builtin_edges(
    graph: Graph, node_id: str, definition: Any, entries: dict[str, Any], root_id: str
) -> None:
    if node_id == CACHE_ID:
        graph.add_edge(node_id, CACHE_MIDDLEWARE_ID)
    if METRICS_ID in entries and isinstance(definition, Task):
        graph.add_edge(node_id, METRICS_ID)
    traced = isinstance(definition, Task | Resource) and node_id not in {TRACING_ID, root_id}
    if TRACING_ID in entries and traced:
        graph.add_edge(node_id, TRACING_ID)
    if node_id == root_id:
        # Runner initialises the root last, after everything it registers.
        for other_id in entries:
            if other_id != root_id:
                graph.add_edge(node_id, other_id)


def _cycle_problem(registry: Registry, cycle: list[str], problems: Problems) -> None:
    entries = registry.entries
    kinds = {getattr(entries[n].definition, "kind", "") for n in cycle if n in entries}
    path = " -> ".join(cycle)
    first = entries.get(cycle[0])
    source = first.definition.source if first else None
    if kinds == {"event"}:
        problems.add(
            "event_emission_cycle",
            f"Event emission cycles detected between hooks and events: {path} (the hooks of "
            "each event emit the next one; at least one of them listens to every event)",
            source,
            'A "*" hook that emits events must not meet another hook emitting its events '
            "back: emit from one of them only, or give the other .on(...) a list of events.",
        )
    elif "event" in kinds and "hook" in kinds:
        problems.add(
            "event_emission_cycle",
            f"Event emission cycles detected between hooks and events: {path}",
            source,
            "A hook must not (directly or through tasks and resources it depends on) emit "
            "the event that triggers it; break the loop or move the work into a task.",
        )
    else:
        everywhere = [
            node_id
            for node_id in cycle
            if node_id in entries and getattr(entries[node_id].definition, "everywhere", False)
        ]
        remediation = (
            "Break the cycle: move the shared part into a new resource both can depend on, "
            "or pass the value at call time instead of injecting it."
        )
        if everywhere:
            remediation = (
                f'"{everywhere[0]}" applies everywhere, also to what it depends on: leave that '
                "out with a predicate, .everywhere(lambda definition: definition.id != ...)."
            )
        problems.add(
            "circular_dependencies", f"Circular dependencies detected: {path}", source, remediation
        )
