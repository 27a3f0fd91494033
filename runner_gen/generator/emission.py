"""Which emissions can recurse, decided at build time, so only those pay for a run-time guard.

A hook that depends on the emitter of an event it listens to (its own event, or any event for a
``"*"`` hook) is legal, as in Runner: its event's emitter binds that dependency itself, and the
hook is skipped when it is the emission's source (it does not hear its own emission). What
such hooks can still do is recurse: two hooks of one event re-emitting it, two ``"*"`` hooks
emitting each other's events, a hook re-emitting through a task. Runner stops those at run
time with ``eventCycle``; here the build finds the events that *can* recurse and only their
emitters get the guard (``runtime/emission_guard.py``: ``guard_cycles``). Every other emitter is
exactly as cheap as before.

The possible-emission graph: ``event -> X`` when a hook of the event can reach X's emitter
through its dependencies (directly, or through tasks, resources, middleware and tags it depends
on). An event needs the guard when it is on a cycle of that graph, except the one cycle the
self-skip already ends: a single hook re-emitting its own event directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from runner_gen.definitions.kinds import Event, Hook, OptionalDependency
from runner_gen.generator.facts import Facts
from runner_gen.generator.resolve import Registry


@dataclass(frozen=True, slots=True)
class EmissionFacts:
    """Per event: hooks that emit it themselves (skipped when they are the source), and
    whether its emissions need the run-time cycle guard."""

    reemitting_hooks: tuple[str, ...]
    guarded: bool


def emitter_dependencies(registry: Registry, definition: Any) -> list[str]:
    """The ids of the events whose emitters ``definition`` depends on (registered ones)."""
    found = []
    for dependency in registry.dependencies(definition).values():
        target = dependency.target if isinstance(dependency, OptionalDependency) else dependency
        if isinstance(target, Event) and target.id in registry.entries:
            found.append(target.id)
    return found


def listened_events(facts: Facts) -> dict[str, set[str]]:
    """hook id -> the events it runs for (its ``.on(...)``, or every event for ``"*"``)."""
    listened: dict[str, set[str]] = {}
    for event_id, hooks in facts.hooks.items():
        for hook_id in hooks:
            listened.setdefault(hook_id, set()).add(event_id)
    return listened


def emission_facts(
    registry: Registry, facts: Facts, dependency_edges: Mapping[str, Iterable[str]]
) -> dict[str, EmissionFacts]:
    """``dependency_edges``: node -> what it depends on (dependencies, middleware, tagged
    definitions of a tag), the paths along which a hook's code can reach an emitter."""
    reach_cache: dict[str, frozenset[str]] = {}
    edges: dict[str, set[str]] = {event_id: set() for event_id in facts.hooks}
    reemitting: dict[str, list[str]] = {event_id: [] for event_id in facts.hooks}
    for event_id, hooks in facts.hooks.items():
        self_paths = 0
        for hook_id in hooks:
            hook = registry.entries[hook_id].definition
            direct = set(emitter_dependencies(registry, hook)) if isinstance(hook, Hook) else set()
            reached = _reach(hook_id, dependency_edges, registry, reach_cache)
            if event_id in direct:
                reemitting[event_id].append(hook_id)
            for target in reached:
                if target != event_id:
                    edges[event_id].add(target)
                elif target in direct and not _reaches_indirectly(
                    hook_id, event_id, dependency_edges, registry
                ):
                    self_paths += 1  # ended by the self-skip, if it is the only path
                else:
                    self_paths += 2  # through a task or resource: the source is not the hook
        if self_paths > 1:
            edges[event_id].add(event_id)
    on_cycles = _nodes_on_cycles(edges)
    return {
        event_id: EmissionFacts(tuple(reemitting[event_id]), event_id in on_cycles)
        for event_id in facts.hooks
    }


def _reach(
    start: str,
    dependency_edges: Mapping[str, Iterable[str]],
    registry: Registry,
    cache: dict[str, frozenset[str]],
) -> frozenset[str]:
    """Events whose emitters ``start`` can reach through what it depends on."""
    cached = cache.get(start)
    if cached is not None:
        return cached
    found: set[str] = set()
    seen = {start}
    pending = list(dependency_edges.get(start, ()))
    while pending:
        node = pending.pop()
        if node in seen:
            continue
        seen.add(node)
        definition = registry.entries[node].definition if node in registry.entries else None
        if isinstance(definition, Event):
            found.add(node)  # an emitter: what its hooks do is the emission graph's next step
            continue
        pending.extend(dependency_edges.get(node, ()))
    result = frozenset(found)
    cache[start] = result
    return result


def _reaches_indirectly(
    hook_id: str, event_id: str, dependency_edges: Mapping[str, Iterable[str]], registry: Registry
) -> bool:
    """Whether the hook reaches the event's emitter through something other than its own direct
    dependency on it (a task or resource that emits it, with that as the source)."""
    cache: dict[str, frozenset[str]] = {}
    for node in dependency_edges.get(hook_id, ()):
        if node == event_id:
            continue
        definition = registry.entries[node].definition if node in registry.entries else None
        if isinstance(definition, Event):
            continue
        if event_id in _reach(node, dependency_edges, registry, cache):
            return True
    return False


def _nodes_on_cycles(edges: Mapping[str, set[str]]) -> set[str]:
    """Nodes on a cycle (a self-loop counts): members of strongly connected components of size
    two or more, and nodes with an edge to themselves (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: set[str] = set()
    counter = 0
    for root in edges:
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(edges.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, pending = work[-1]
            if pending:
                target = pending.pop()
                if target not in index:
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, sorted(edges.get(target, ()))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges.get(node, ()):
                    result.update(component)
    return result
