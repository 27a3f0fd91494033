"""Call-scoped resources: what may depend on them, and what they may be.

A call-scoped resource is created for each call of a task that depends on it and disposed when
the call ends. An app-wide value (another resource, a hook, a middleware) cannot hold one, so
only tasks and other call-scoped resources may depend on it; and what only makes sense for an
app-wide value (middleware, a health check, a private context, tags, registering children) is
refused on it.
"""

from __future__ import annotations

from typing import Any

from runner_gen.definitions.kinds import OptionalDependency, Resource, Task
from runner_gen.generator.problems import Problems, kind_label
from runner_gen.generator.resolve import Registry


def is_call_scoped(definition: Any) -> bool:
    return isinstance(definition, Resource) and definition.scope == "call"


def check_scopes(registry: Registry, root_id: str, problems: Problems) -> None:
    scoped = {node_id for node_id, r in registry.entries.items() if is_call_scoped(r.definition)}
    if not scoped:
        return
    for node_id in scoped:
        definition = registry.definition(node_id)
        unsupported = [
            what
            for what, present in (
                ("middleware", definition.middleware),
                ("a health check", definition.health),
                ("a context", definition.context),
                ("tags", definition.tags),
                ("registered definitions", definition.register),
            )
            if present
        ]
        if node_id == root_id:
            unsupported.append("being the app's root")
        if unsupported:
            problems.add(
                "call_scope_unsupported",
                f'Call-scoped resource "{node_id}" cannot have {", ".join(unsupported)}',
                definition.source,
                "Keep call-scoped resources plain (init, dispose, dependencies, config), or "
                'make it app-wide by dropping .scope("call").',
            )
    for registration in registry.entries.values():
        dependent = registration.definition
        allowed = isinstance(dependent, Task) or is_call_scoped(dependent)
        for key, dependency in registry.dependencies(dependent).items():
            target = dependency.target if isinstance(dependency, OptionalDependency) else dependency
            if target.id in scoped and not allowed:
                problems.add(
                    "call_scope_violation",
                    f'{kind_label(dependent)} "{dependent.id}" depends on call-scoped resource '
                    f'"{target.id}" (as "{key}"), but it lives longer than one call',
                    dependent.source,
                    "Only tasks and other call-scoped resources may depend on a call-scoped "
                    "resource; pass the value at call time, or make the dependent a task.",
                )
