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
    Do,
    Expr,
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
    local, value = low.slot("store", low.rt_type("Store"))
    low.values[STORE_ID] = value
    return [Assign(local, store_value(low))]


def store_value(low: Lowering) -> Expr:
    """``Store({tag id: accessor})`` over every registered tag."""
    entries = tuple((Const(tag_id), low.values[tag_id]) for tag_id in low.model.tag_ids)
    return call(low.rt("Store"), Dict(entries))


def _logger(low: Lowering, node: Node) -> Statements:
    """The logger, then one child per definition that depends on it, bound to that definition's
    id: every record says which definition wrote it (Runner's stable ``source``)."""
    statements = lower_resource(low, node)
    logger_type = low.member_types[node.id]
    for dependent in low.model.nodes.values():
        used = dependent.kind not in {"task_middleware", "resource_middleware"} or (
            dependent.id in low.needed
        )
        if used and any(use.target_id == LOGGER_ID for use in dependent.dependencies):
            child, value = low.slot(f"log_{low.attrs[dependent.id]}", logger_type)
            low.loggers[dependent.id] = value
            bound = call(Attr(low.values[LOGGER_ID], "with_"), source=Const(dependent.id))
            statements.append(Assign(child, bound))
    # Unhandled errors are logged through it from now on (its config, its redaction).
    use_logger = Attr(Ref(low.core.boundary), "use_logger")
    statements.append(Do(call(use_logger, low.values[LOGGER_ID])))
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
    local, value = low.member(low.core.resources, low.attrs[node.id])
    low.values[node.id] = value
    low.member_types[node.id] = registry
    instance, instance_value = low.slot("mw_metrics", middleware)
    low.values[METRICS_INSTANCE] = instance_value
    low.instance_types[METRICS_INSTANCE] = middleware
    return [
        Assign(local, metrics),
        Assign(instance, call(middleware, value)),
    ]


def _tracing(low: Lowering, node: Node) -> Statements:
    statements = lower_resource(low, node)
    middleware = low.runtime("runner_gen.runtime.tracing", "TracingMiddleware")
    instance, value = low.slot("mw_tracing", middleware)
    low.values[TRACING_INSTANCE] = value
    low.instance_types[TRACING_INSTANCE] = middleware
    statements.append(Assign(instance, call(middleware, low.values[TRACING_ID])))
    return statements


def _cache(low: Lowering, node: Node) -> Statements:
    """The app's cache is the per-app cache middleware instance."""
    cache_type = low.runtime("runner_gen.runtime.middleware", "CacheMiddleware")
    local, value = low.member(low.core.resources, low.attrs[node.id])
    low.values[node.id] = value
    low.member_types[node.id] = cache_type
    instance = low.values[CACHE_MIDDLEWARE_ID]
    return [Assign(local, instance)]


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
        module, _, name = definition.implementation.partition(":")
        cls = low.runtime(module, name)
        local, value = low.slot(f"mw_{low.attrs[node.id]}", cls)
        low.values[node.id] = value
        low.instance_types[node.id] = cls
        keywords = {"clock": Ref(low.clock())} if _takes_clock(module, name) else {}
        dispose = low.push_disposer(node.id, Attr(value, "dispose"), ())
        return [Assign(local, call(cls, **keywords)), dispose]
    if definition.context is not None and node.id in low.needed:
        factory = node.functions["context"]
        local, value = low.slot(f"mw_{low.attrs[node.id]}", low.annotation(factory.returns))
        low.values[node.id] = value
        return [Assign(local, call(Ref(low.function(factory))))]
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
    accessor_type = f"{low.rt_type('TagAccessor')}[{config_type}]"
    local, value = low.slot(f"tag_{low.attrs[node.id]}", accessor_type)
    low.values[node.id] = value
    return [Assign(local, call(low.rt("TagAccessor"), **fields))]


def _takes_input(task: Node) -> bool:
    run = task.functions.get("run")
    if run is not None:
        return bool(run.positional)
    return task.input_type is not None


def _value(low: Lowering, node: Node) -> Statements:
    """An async context or typed error definition: injected as the definition itself, read
    where it is defined (a module attribute keeps its static type; no slot needed)."""
    locator = node.locator
    expression: Expr = Attr(Ref(low.imports.module(locator.module)), locator.attr)
    if locator.path:
        expression = low.locator(locator)  # inside a tuple: untyped navigation
    low.values[node.id] = expression
    return []


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
