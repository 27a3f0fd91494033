"""Lower tasks: a factory per task that needs one (dependencies, middleware, a sync run
function), the user's function itself when nothing wraps it, a remote call for tasks a
client tunnel routes, or the value's ``run`` for tasks a custom tunnel routes."""

from __future__ import annotations

from dataclasses import replace

from runner_gen.definitions.tunnels import TunnelTaskPolicyConfig
from runner_gen.generator.ir import (
    Assign,
    Attr,
    Callee,
    Const,
    Dict,
    Expr,
    Member,
    Param,
    Ref,
    Statement,
    TaskFactory,
    call,
)
from runner_gen.generator.lower_chain import (
    JOURNAL_KEYWORD,
    FactoryParams,
    build_chain,
    journal_argument,
    wants_journal,
)
from runner_gen.generator.lower_scoped import lower_scoped, scoped_needs
from runner_gen.generator.lowering import Lowering
from runner_gen.generator.model import MiddlewareUse, Node
from runner_gen.generator.naming import Scope

#: Runner's ``globals.tags.tunnelTaskPolicy``.
POLICY_TAG = "globals.tags.tunnel.middlewarePolicy"


def lower_task(low: Lowering, node: Node) -> list[Statement]:
    attr = low.attrs[node.id]
    input_type = None if node.input_type is None else low.annotation(node.input_type)
    output_type = low.annotation(node.result_type)
    callable_type = (
        f"{low.helper('callable')}[[{input_type or ''}], {low.helper('awaitable')}[{output_type}]]"
    )
    low.member_types[node.id] = callable_type
    local, value = low.member(low.core.tasks, attr)
    low.values[node.id] = value
    if node.id in low.model.routing.task_tunnels:
        if low.model.routing.task_tunnels[node.id] in low.model.routing.custom:
            remote = _tunneled_task(low, node, input_type is not None)
        else:
            remote = _remote_task(low, node, input_type is not None)
        allowed = caller_side_middleware(node)
        if allowed:
            remote = _behind_allowed(low, node, allowed, remote, input_type, callable_type)
        return _published(low, node, local, remote, callable_type)
    signature = node.functions["run"]
    params = FactoryParams(Scope(low.names))
    scope = params.scope
    parameter = None if input_type is None else Param(scope.name("value"), input_type)
    scoped, inside = lower_scoped(low, scoped_needs(low, node), params)
    annotations = {param.name: param.annotation for param in signature.keyword}
    targets = {use.key: use.target_id for use in node.dependencies}
    keywords: list[tuple[str, Expr]] = [
        (
            key,
            value
            if targets.get(key) in inside
            else params.add(key, low.annotation(annotations[key]), value),
        )
        for key, value in low.keyword_values(node, signature, None, inside).items()
    ]
    if wants_journal(node):
        keywords.append((JOURNAL_KEYWORD, journal_argument(low)))  # read per call
    chain = build_chain(low, node, params)
    function = Ref(low.function(signature))
    if chain is None and not keywords and signature.is_async:
        # Nothing to bind or wrap: the task is the user's function itself.
        return _published(low, node, local, function, callable_type)
    if signature.is_async:
        low.helper("awaitable")
    if chain is not None and input_type is None:
        low.helper("partial")  # the chain takes an input; the task does not
    arguments: tuple[Expr, ...] = () if parameter is None else (Ref(parameter.name),)
    factory = TaskFactory(
        id=node.id,
        comment=low.comment(node),
        name=low.local(f"_task_{attr}"),
        params=tuple(params.params),
        callable_type=callable_type,
        run_name=scope.name("run"),
        input=parameter,
        output_type=output_type,
        run=Callee(call(function, *arguments, **dict(keywords)), signature.is_async),
        chain=chain,
        scoped=scoped,
    )
    low.factories.append(factory)
    low.record(factory.name, node)
    built = call(Ref(factory.name), **dict(params.passed))
    return _published(low, node, local, built, callable_type)


def caller_side_middleware(node: Node) -> tuple[MiddlewareUse, ...]:
    """The middleware of a tunneled task that still run here: those its
    ``tunnel_task_policy`` tag allow-lists on the client side, in chain order; none without
    the tag (Runner's ``applyTunnelPolicyFilter``)."""
    policy = next(
        (
            use.config
            for use in getattr(node.definition, "tags", ())
            if use.tag.id == POLICY_TAG and isinstance(use.config, TunnelTaskPolicyConfig)
        ),
        None,
    )
    allowed = None if policy is None else policy.client_allow_list()
    if not allowed:
        return ()
    return tuple(use for use in node.middleware if use.middleware_id in allowed)


def _behind_allowed(
    low: Lowering,
    node: Node,
    allowed: tuple[MiddlewareUse, ...],
    remote: Expr,
    input_type: str | None,
    callable_type: str,
) -> Expr:
    """The tunneled callable behind the caller-side middleware its policy allows: a task
    factory whose "run" is the tunnel's call. Tracing and metrics stay off, as for every
    tunneled task (the span and the latency belong to the side that runs it)."""
    params = FactoryParams(Scope(low.names))
    scope = params.scope
    tunneled = params.add("tunneled", callable_type, remote)
    parameter = None if input_type is None else Param(scope.name("value"), input_type)
    chain = build_chain(low, replace(node, middleware=allowed), params, outer=False)
    if input_type is None:
        low.helper("partial")  # the chain takes an input; the task does not
    low.helper("awaitable")
    arguments: tuple[Expr, ...] = () if parameter is None else (Ref(parameter.name),)
    factory = TaskFactory(
        id=node.id,
        comment=low.comment(node),
        name=low.local(f"_task_{low.attrs[node.id]}"),
        params=tuple(params.params),
        callable_type=callable_type,
        run_name=scope.name("run"),
        input=parameter,
        output_type=low.annotation(node.result_type),
        run=Callee(call(tunneled, *arguments), True),
        chain=chain,
    )
    low.factories.append(factory)
    low.record(factory.name, node)
    return call(Ref(factory.name), **dict(params.passed))


def _published(
    low: Lowering, node: Node, local: str, value: Expr, callable_type: str
) -> list[Statement]:
    """``tasks.x = <the test's replacement, else value>``."""
    attr = low.attrs[node.id]
    chosen = low.replaced_or("tasks", Member(attr, callable_type, node.id), value)
    return [Assign(local, chosen)]


def _remote_task(low: Lowering, node: Node, takes_input: bool) -> Expr:
    """A phantom task run through its client tunnel: typed by its schemas, checked on the wire."""
    tunnel = low.model.routing.task_tunnels[node.id]
    encode: Expr = Const(None)
    if node.input_type is not None:
        encode = Attr(Ref(low.adapter(node.input_type)), "dump_python")
    decode: Expr = Const(None)
    if node.result_type.text != "None":
        decode = Attr(Ref(low.adapter(node.result_type)), "validate_python")
    helper = low.runtime("runner_gen.runtime.tunnel", "remote_task")
    remote = call(helper, low.values[tunnel], Const(node.id), encode, decode, remote_errors(low))
    return remote if takes_input else call(low.partial(), remote, Const(None))


def _tunneled_task(low: Lowering, node: Node, takes_input: bool) -> Expr:
    """A task a custom tunnel routes: its value's ``run(task definition, input)``, the input
    passed as the caller gave it (in process: nothing to encode), as Runner's tunnel does."""
    tunnel = low.model.routing.task_tunnels[node.id]
    helper = low.runtime("runner_gen.runtime.custom_tunnel", "tunneled_task")
    routed = call(helper, low.values[tunnel], Const(tunnel), low.locator(node.locator))
    return routed if takes_input else call(low.partial(), routed, Const(None))


def remote_errors(low: Lowering) -> Expr:
    """``{error id: its from_remote}`` for every registered typed error, or None."""
    entries = tuple(
        (Const(error_id), Attr(low.values[error_id], "from_remote"))
        for error_id in low.model.error_ids
    )
    return Dict(entries) if entries else Const(None)
