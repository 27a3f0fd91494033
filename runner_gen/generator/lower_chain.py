"""Middleware chains: the layers around a task's run or a resource's init, and the parameters a
factory needs to build them (middleware instances, custom middleware dependencies)."""

from __future__ import annotations

from dataclasses import dataclass, field

from runner_gen.generator.builtin_ids import METRICS_ID, SHORT_NAMES, TRACING_ID
from runner_gen.generator.ir import (
    Attr,
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
from runner_gen.generator.model import ConfigRef, FunctionRole, Node
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


def definition_info(low: Lowering, node: Node, journaled: bool = False) -> Expr:
    """``DefinitionInfo(id, kind, tags, file)``: what middleware may know about ``node``
    (``journaled=True`` added when its chain has a journal for the built-ins to write to)."""
    tags = Tuple(
        tuple(
            call(low.rt("TagUse"), Const(use.tag_id), low.config(use.config)) for use in node.tags
        )
    )
    kind = "task" if node.kind == "task" else "resource"
    flags = {"journaled": Const(True)} if journaled else {}
    return call(
        low.rt("DefinitionInfo"),
        Const(node.id),
        Const(kind),
        tags,
        Const(low.file_of(node)),
        **flags,
    )


def build_chain(
    low: Lowering, node: Node, params: FactoryParams, *, outer: bool = True
) -> Chain | None:
    """The chain of ``node`` (outermost first in the model; innermost first here), or None when
    nothing wraps it. ``outer=False``: without tracing and metrics (a tunneled task's)."""
    outermost: list[tuple[str, Expr]] = []
    if outer:
        _observability(low, node, outermost)
    return _chain(low, node, params, outermost)


def _observability(low: Lowering, node: Node, outer: list[tuple[str, Expr]]) -> None:
    if node.kind == "task" and low.model.has(TRACING_ID):
        # Outermost: the span covers everything the caller waits for.
        outer.append((TRACING_INSTANCE, Const(None)))
    if node.kind == "task" and low.model.has(METRICS_ID):
        # The measured latency is what callers see, middleware included.
        outer.append((METRICS_INSTANCE, Const(None)))


def _chain(
    low: Lowering, node: Node, params: FactoryParams, outer: list[tuple[str, Expr]]
) -> Chain | None:
    journaled = node.kind == "task" and uses_journal(low, node)
    if not outer and not node.middleware and not journaled:
        return None
    scope = params.scope
    info = scope.name("info")
    value = scope.name("value")
    chain = scope.name("chain")
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
            layers.append(_custom_layer(low, node, middleware, use.config, params, info, chain))
    entry = call(low.runtime(JOURNAL_MODULE, "journaled"), Ref(chain)) if journaled else None
    info_value = definition_info(low, node, journaled)
    return Chain(info, info_value, chain, tuple(reversed(layers)), value, entry)


#: The keyword a task's run function or a custom task middleware declares to receive the
#: execution journal (unless it names a dependency).
JOURNAL_KEYWORD = "journal"
JOURNAL_MODULE = "runner_gen.runtime.journal"


def wants_journal(node: Node, role: FunctionRole = "run") -> bool:
    """True when ``node``'s function takes the journal: a ``journal`` keyword that is not one
    of its dependencies."""
    signature = node.functions.get(role)
    if signature is None or JOURNAL_KEYWORD not in signature.keyword_names:
        return False
    return all(use.key != JOURNAL_KEYWORD for use in node.dependencies)


def uses_journal(low: Lowering, node: Node) -> bool:
    """Whether the task's chain needs a journal: its run function or one of its custom
    middleware takes it. Decided here, once, so other chains pay nothing for journals."""
    if wants_journal(node):
        return True
    return any(wants_journal(low.model.nodes[use.middleware_id]) for use in node.middleware)


def journal_argument(low: Lowering) -> Expr:
    """The running call's journal, read where a function that takes it is called."""
    return call(Attr(Ref(low.runtime(JOURNAL_MODULE, "CURRENT_JOURNAL")), "get"))


def _custom_layer(
    low: Lowering,
    owner: Node,
    middleware: Node,
    config_ref: ConfigRef,
    params: FactoryParams,
    info: str,
    chain: str,
) -> Layer:
    signature = middleware.functions["run"]
    context = low.values[middleware.id] if middleware.definition.context is not None else None
    arguments = low.keyword_values(middleware, signature, context)
    annotations = {param.name: param.annotation for param in signature.keyword}
    keywords: list[tuple[str, Expr]] = []
    for key, value in arguments.items():
        keywords.append((key, params.add(key, low.annotation(annotations[key]), value)))
    if owner.kind == "task" and wants_journal(middleware):
        keywords.append((JOURNAL_KEYWORD, journal_argument(low)))
    scope = params.scope
    has_config = middleware.definition.config_schema is not None
    config = low.config(config_ref) if has_config else Const(None)
    call_class = low.call_class(owner.kind)
    helper = "custom_task_layer" if owner.kind == "task" else "custom_resource_layer"
    layer_helper = Ref(low.runtime("runner_gen.runtime.custom", helper))
    user_function = Ref(low.function(signature))
    if not has_config and not keywords:
        # Nothing to bind: the layer calls the user's function itself, one frame less.
        wrap = call(layer_helper, user_function, Ref(info), Ref(chain))
        return Layer("custom", config, wrap=wrap)
    low.helper("any")
    low.helper("awaitable")
    call_param = Param(scope.name("call"), call_class)
    config_name = scope.name("config") if has_config else None
    positional: tuple[Expr, ...] = (Ref(call_param.name),)
    if config_name is not None:
        positional = (Ref(call_param.name), Ref(config_name))
    run = Call(user_function, positional, tuple(keywords))
    function = scope.name("layer")
    wrap = call(layer_helper, Ref(function), Ref(info), Ref(chain))
    return Layer("custom", config, None, wrap, function, call_param, config_name, run)


def _wanted(definition_id: str) -> str:
    """``retry`` for ``globals.middleware.retry.task``: a readable parameter name."""
    short = SHORT_NAMES.get(definition_id)
    if short is not None:
        return short
    head = definition_id.split(" ")[0]
    return head.rsplit(".", 1)[-1]
