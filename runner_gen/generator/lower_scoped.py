"""Call-scoped resources inside a task's factory: created at the start of each call, in
dependency order, and disposed in reverse when the call ends (``try``/``finally``, so an error
or a cancellation disposes them too)."""

from __future__ import annotations

from runner_gen.generator.annotations import Signature
from runner_gen.generator.ir import Callee, Expr, Ref, ScopedValue, call
from runner_gen.generator.lower_chain import FactoryParams
from runner_gen.generator.lowering import Lowering
from runner_gen.generator.model import Node


def scoped_needs(low: Lowering, node: Node) -> list[Node]:
    """The call-scoped resources a call of ``node`` creates: its own, and theirs, transitively,
    in init order (dependencies first)."""
    needed: set[str] = set()
    pending = [use.target_id for use in node.dependencies if use.registered]
    while pending:
        target = low.model.nodes.get(pending.pop())
        if target is None or not target.call_scoped or target.id in needed:
            continue
        needed.add(target.id)
        pending.extend(use.target_id for use in target.dependencies if use.registered)
    return [low.model.nodes[i] for i in low.model.order if i in needed]


def lower_scoped(
    low: Lowering, nodes: list[Node], params: FactoryParams
) -> tuple[tuple[ScopedValue, ...], dict[str, Expr]]:
    """Each call-scoped resource as a local of the task's run function; its app-wide
    dependencies and config become parameters of the factory. Returns the values and what a
    dependency on each resolves to inside the run function."""
    scope = params.scope
    inside: dict[str, Expr] = {}
    values: list[ScopedValue] = []
    for node in nodes:
        local = scope.name(low.attrs[node.id])
        config: tuple[Expr, ...] = ()
        init = node.functions.get("init")
        if node.config is not None:
            config_type = low.helper("any")
            if init is not None and init.positional:
                config_type = low.annotation(init.positional[0].annotation)
            config = (
                params.add(f"{low.attrs[node.id]}_config", config_type, low.config(node.config)),
            )
        created = None
        if init is not None:
            keywords = _keywords(low, node, init, params, inside)
            created = Callee(call(Ref(low.function(init)), *config, **keywords), init.is_async)
        disposed = None
        dispose = node.functions.get("dispose")
        if dispose is not None:
            arguments: tuple[Expr, ...] = (Ref(local),)
            if config and len(dispose.positional) > 1:
                arguments = (Ref(local), *config)
            keywords = _keywords(low, node, dispose, params, inside)
            function = Ref(low.function(dispose))
            disposed = Callee(call(function, *arguments, **keywords), dispose.is_async)
        values.append(ScopedValue(node.id, local, created, disposed))
        inside[node.id] = Ref(local)
    return tuple(values), inside


def _keywords(
    low: Lowering,
    node: Node,
    signature: Signature,
    params: FactoryParams,
    inside: dict[str, Expr],
) -> dict[str, Expr]:
    annotations = {param.name: param.annotation for param in signature.keyword}
    targets = {use.key: use.target_id for use in node.dependencies}
    keywords: dict[str, Expr] = {}
    for key, value in low.keyword_values(node, signature, None, inside).items():
        if targets.get(key) in inside:
            keywords[key] = value  # another call-scoped value, a local of the run function
        else:
            keywords[key] = params.add(key, low.annotation(annotations[key]), value)
    return keywords
