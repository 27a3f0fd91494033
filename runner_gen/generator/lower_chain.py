"""Middleware chains: the layers around a task's run or a resource's init, and the parameters a
factory needs to build them (middleware instances, custom middleware dependencies)."""

from __future__ import annotations

from dataclasses import dataclass, field

from runner_gen.generator.builtin_ids import METRICS_ID, TRACING_ID
from runner_gen.generator.ir import (
    Call,
    Chain,
    Const,
    Expr,
    Layer,
    Param,
    Ref,
    Tuple,
    call,
)
from runner_gen.generator.lowering import Lowering
from runner_gen.generator.model import ConfigRef, Node
from runner_gen.generator.naming import Scope

#: Per-app instances of the observability middleware, created by their resources' lowering.
METRICS_INSTANCE = f"{METRICS_ID} middleware"
TRACING_INSTANCE = f"{TRACING_ID} middleware"


@dataclass
class FactoryParams:
    """The keyword-only parameters of one factory and what start() passes for each."""

    scope: Scope
    params: list[Param] = field(default_factory=list)
    passed: list[tuple[str, Expr]] = field(default_factory=list)

    def add(self, wanted: str, type: str, value: Expr) -> Ref:
        name = self.scope.name(wanted)
        self.params.append(Param(name, type))
        self.passed.append((name, value))
        return Ref(name)


def definition_info(low: Lowering, node: Node) -> Expr:
    """``DefinitionInfo(id, kind, tags, file)``: what middleware may know about ``node``."""
    tags = Tuple(
        tuple(
            call(low.rt("TagUse"), Const(use.tag_id), low.config(use.config)) for use in node.tags
        )
    )
    kind = "task" if node.kind == "task" else "resource"
    return call(
        low.rt("DefinitionInfo"),
        Const(node.id),
        Const(kind),
        tags,
        Const(low.file_of(node)),
    )


def build_chain(low: Lowering, node: Node, params: FactoryParams) -> Chain | None:
    """The chain of ``node`` (outermost first in the model; innermost first here), or None when
    nothing wraps it."""
    outer: list[tuple[str, Expr]] = []
    if node.kind == "task" and low.model.has(TRACING_ID):
        # Outermost: the span covers everything the caller waits for.
        outer.append((TRACING_INSTANCE, Const(None)))
    if node.kind == "task" and low.model.has(METRICS_ID):
        # The measured latency is what callers see, middleware included.
        outer.append((METRICS_INSTANCE, Const(None)))
    if not outer and not node.middleware:
        return None
    scope = params.scope
    info = scope.name("info")
    value, next_ = scope.name("value"), scope.name("next_")
    layers: list[Layer] = []
    for instance_id, config in outer:
        instance = params.add(
            _wanted(instance_id), low.instance_types[instance_id], low.values[instance_id]
        )
        layers.append(Layer("builtin", config, instance))
    for use in node.middleware:
        middleware = low.model.nodes[use.middleware_id]
        if middleware.definition.implementation is not None:
            config = low.config(use.config)
            instance = params.add(
                _wanted(middleware.id), low.instance_types[middleware.id], low.values[middleware.id]
            )
            if use.fallback_task_id is not None:
                fallback = params.add(
                    "fallback_task", low.rt_type("Next"), low.values[use.fallback_task_id]
                )
                helper = low.runtime("runner_gen.runtime.middleware.fallback", "fallback_to_task")
                config = call(helper, config, fallback)
            layers.append(Layer("builtin", config, instance))
        else:
            low.helper("any")
            low.helper("awaitable")
            call_object = call(low.call_class(node.kind), Ref(info), Ref(value), Ref(next_))
            layers.append(_custom_layer(low, middleware, use.config, params, call_object))
    chain = scope.name("chain")
    return Chain(info, definition_info(low, node), chain, tuple(reversed(layers)), value, next_)


def _custom_layer(
    low: Lowering, middleware: Node, config_ref: ConfigRef, params: FactoryParams, call_object: Expr
) -> Layer:
    signature = middleware.functions["run"]
    context = low.values[middleware.id] if middleware.definition.context is not None else None
    arguments = low.keyword_values(middleware, signature, context)
    annotations = {param.name: param.annotation for param in signature.keyword}
    keywords: list[tuple[str, Expr]] = []
    for key, value in arguments.items():
        keywords.append((key, params.add(key, low.annotation(annotations[key]), value)))
    scope = params.scope
    has_config = middleware.definition.config_schema is not None
    config_name = scope.name("config") if has_config else None
    positional: tuple[Expr, ...] = (call_object,)
    if config_name is not None:
        positional = (call_object, Ref(config_name))
    run = Call(Ref(low.function(signature)), positional, tuple(keywords))
    config = low.config(config_ref) if has_config else Const(None)
    return Layer("custom", config, None, scope.name("layer"),
                 config_name, run)  # fmt: skip


def _wanted(definition_id: str) -> str:
    """``retry`` for ``globals.middleware.task.retry``: a readable parameter name."""
    head = definition_id.split(" ")[0]
    return head.rsplit(".", 1)[-1]
