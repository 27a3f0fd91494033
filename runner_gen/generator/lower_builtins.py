"""Lowering of everything that is not a plain resource, task or event: the built-ins the
generator knows (a registry by id), middleware instances, tags, async contexts and errors."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable

from runner_gen.generator.builtin_ids import (
    CACHE_ID,
    CACHE_MIDDLEWARE_ID,
    LOGGER_ID,
    METRICS_ID,
    STORE_ID,
    TRACING_ID,
)
from runner_gen.generator.ir import (
    Assign,
    Attr,
    Const,
    Dict,
    Expr,
    Index,
    Ref,
    Statement,
    Tuple,
    call,
)
from runner_gen.generator.lower_chain import METRICS_INSTANCE, TRACING_INSTANCE
from runner_gen.generator.lower_events import lower_event
from runner_gen.generator.lower_exposure import lower_exposure
from runner_gen.generator.lower_resources import lower_resource
from runner_gen.generator.lower_tasks import lower_task
from runner_gen.generator.lowering import Lowering
from runner_gen.generator.model import Node

Statements = list[Statement]
Lower = Callable[[Lowering, Node], Statements]


def lower_node(low: Lowering, node: Node) -> Statements:
    special = BUILTINS.get(node.id)
    if special is not None:
        return special(low, node)
    if node.id in low.model.routing.exposures:
        return lower_exposure(low, node)
    if node.call_scoped:
        return []  # created in each call of the tasks that depend on it
    return BY_KIND[node.kind](low, node)


# -- built-ins by id ---------------------------------------------------------------------------


def _store(low: Lowering, node: Node) -> Statements:
    low.values[STORE_ID] = Ref(low.core.store)
    return [Assign(low.core.store, store_value(low))]


def store_value(low: Lowering) -> Expr:
    """``Store({tag id: accessor})`` over every registered tag."""
    entries = tuple((Const(tag_id), low.values[tag_id]) for tag_id in low.model.tag_ids)
    return call(low.rt("Store"), Dict(entries))


def _logger(low: Lowering, node: Node) -> Statements:
    """The logger, then one child per definition that depends on it, bound to that definition's
    id: every record says which definition wrote it (Runner's stable ``source``)."""
    statements = lower_resource(low, node)
    for dependent in low.model.nodes.values():
        used = dependent.kind not in {"task_middleware", "resource_middleware"} or (
            dependent.id in low.needed
        )
        if used and any(use.target_id == LOGGER_ID for use in dependent.dependencies):
            child = low.local(f"log_{low.attrs[dependent.id]}")
            low.loggers[dependent.id] = child
            bound = call(Attr(low.values[LOGGER_ID], "with_"), source=Const(dependent.id))
            statements.append(Assign(child, bound))
    return statements


def _metrics(low: Lowering, node: Node) -> Statements:
    """The registry, sized to this app's task ids (labels never grow), and the per-app
    middleware that times every task."""
    registry = low.runtime("runner_gen.runtime.metrics", "Metrics")
    middleware = low.runtime("runner_gen.runtime.metrics", "MetricsMiddleware")
    task_ids = Tuple(tuple(Const(n.id) for n in low.model.nodes.values() if n.kind == "task"))
    errors = Tuple(tuple(Const(error_id) for error_id in low.model.error_ids))
    metrics = (
        call(registry, task_ids, error_types=errors) if errors.items else call(registry, task_ids)
    )
    local = low.local(f"res_{low.attrs[node.id]}")
    low.values[node.id] = Ref(local)
    low.member_types[node.id] = registry
    instance = low.local("mw_metrics")
    low.values[METRICS_INSTANCE] = Ref(instance)
    low.instance_types[METRICS_INSTANCE] = middleware
    return [
        Assign(local, metrics, None, low.on_resources(low.attrs[node.id])),
        Assign(instance, call(middleware, Ref(local))),
    ]


def _tracing(low: Lowering, node: Node) -> Statements:
    statements = lower_resource(low, node)
    middleware = low.runtime("runner_gen.runtime.tracing", "TracingMiddleware")
    instance = low.local("mw_tracing")
    low.values[TRACING_INSTANCE] = Ref(instance)
    low.instance_types[TRACING_INSTANCE] = middleware
    statements.append(Assign(instance, call(middleware, low.values[TRACING_ID])))
    return statements


def _cache(low: Lowering, node: Node) -> Statements:
    """The app's cache is the per-app cache middleware instance."""
    local = low.local(f"res_{low.attrs[node.id]}")
    low.values[node.id] = Ref(local)
    low.member_types[node.id] = low.runtime("runner_gen.runtime.middleware", "CacheMiddleware")
    value = low.values[CACHE_MIDDLEWARE_ID]
    return [Assign(local, value, None, low.on_resources(low.attrs[node.id]))]


BUILTINS: dict[str, Lower] = {
    STORE_ID: _store,
    LOGGER_ID: _logger,
    METRICS_ID: _metrics,
    TRACING_ID: _tracing,
    CACHE_ID: _cache,
}

# -- by kind -----------------------------------------------------------------------------------


def _middleware(low: Lowering, node: Node) -> Statements:
    """A built-in's per-app instance (its state: breaker, limiter, cache), or a custom
    middleware's private context; a custom middleware without one needs nothing at start."""
    definition = node.definition
    if definition.implementation is not None:
        local = low.local(f"mw_{low.attrs[node.id]}")
        module, _, name = definition.implementation.partition(":")
        cls = low.runtime(module, name)
        low.values[node.id] = Ref(local)
        low.instance_types[node.id] = cls
        keywords = {"clock": Ref(low.clock())} if _takes_clock(module, name) else {}
        dispose = low.push_disposer(node.id, Attr(Ref(local), "dispose"), ())
        return [Assign(local, call(cls, **keywords)), dispose]
    if definition.context is not None and node.id in low.needed:
        local = low.local(f"mw_{low.attrs[node.id]}")
        low.values[node.id] = Ref(local)
        return [Assign(local, call(Ref(low.function(node.functions["context"]))))]
    return []


def _takes_clock(module: str, name: str) -> bool:
    """Whether a built-in middleware class takes the (test-overridable) clock: decided here, at
    build time, so start() passes it without looking."""
    cls = getattr(importlib.import_module(module), name)
    return "clock" in inspect.signature(cls).parameters


def _tag(low: Lowering, node: Node) -> Statements:
    config_type = low.annotation(node.config_type) if node.config_type else low.helper("any")
    tasks: list[Expr] = []
    resources: list[Expr] = []
    for tagged_id in node.tagged:
        tagged = low.model.nodes[tagged_id]
        position = next(i for i, use in enumerate(tagged.tags) if use.tag_id == node.id)
        config = low.config(tagged.tags[position].config)
        value = low.values[tagged_id]
        if tagged.kind == "task":
            keywords = {} if _takes_input(tagged) else {"takes_input": Const(False)}
            tasks.append(call(low.rt("TaggedTask"), Const(tagged_id), config, value, **keywords))
        else:
            resources.append(call(low.rt("TaggedResource"), Const(tagged_id), config, value))
    fields: dict[str, Expr] = {}
    if tasks:
        fields["tasks"] = Tuple(tuple(tasks))
    if resources:
        fields["resources"] = Tuple(tuple(resources))
    local = low.local(f"tag_{low.attrs[node.id]}")
    low.values[node.id] = Ref(local)
    accessor_type = f"{low.rt_type('TagAccessor')}[{config_type}]"
    return [Assign(local, call(low.rt("TagAccessor"), **fields), accessor_type)]


def _takes_input(task: Node) -> bool:
    run = task.functions.get("run")
    if run is not None:
        return bool(run.positional)
    return task.input_type is not None


def _value(low: Lowering, node: Node) -> Statements:
    """An async context or typed error definition: injected as the definition itself."""
    if node.id not in low.needed:
        return []
    locator = node.locator
    expression: Expr = Attr(Ref(low.imports.module(locator.module)), locator.attr)
    for step in locator.path:
        expression = Index(expression, step) if isinstance(step, int) else Attr(expression, step)
    prefix = "ctx" if node.kind == "async_context" else "err"
    local = low.local(f"{prefix}_{low.attrs[node.id]}")
    low.values[node.id] = Ref(local)
    return [Assign(local, expression)]


def _nothing(low: Lowering, node: Node) -> Statements:
    return []  # hooks run inside their events' emitters


BY_KIND: dict[str, Lower] = {
    "resource": lower_resource,
    "task": lower_task,
    "event": lower_event,
    "hook": _nothing,
    "tag": _tag,
    "task_middleware": _middleware,
    "resource_middleware": _middleware,
    "async_context": _value,
    "error": _value,
}
