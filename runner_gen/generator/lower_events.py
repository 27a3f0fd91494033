"""Lower events: per event an emit function and a report function (a factory receiving the
hooks' dependencies), forwarded through a client tunnel when one routes the event. Each
dependent receives them bound to its own id as the emission's ``source``."""

from __future__ import annotations

from runner_gen.generator.ir import (
    Assign,
    Attr,
    Callee,
    Const,
    Do,
    EventFactory,
    Expr,
    HookCallIR,
    Member,
    Ref,
    Statement,
    Tuple,
    call,
)
from runner_gen.generator.lower_chain import FactoryParams
from runner_gen.generator.lowering import Lowering
from runner_gen.generator.model import Node
from runner_gen.generator.naming import Scope


def lower_event(low: Lowering, node: Node) -> list[Statement]:
    attr = low.attrs[node.id]
    payload_type = low.annotation(node.payload_type)
    low.member_types[node.id] = f"{low.rt_type('Emitter')}[{payload_type}]"
    emit_type = f"{low.rt_type('EmitFunction')}[{payload_type}]"
    emit, emit_value = low.slot(f"emit_{attr}", emit_type)
    report_type = f"{low.rt_type('ReportFunction')}[{payload_type}]"
    report, report_value = low.slot(f"report_{attr}", report_type)
    low.emitters[node.id] = (emit_value, report_value)
    outside, outside_value = low.member(low.core.events, attr)
    low.values[node.id] = outside_value
    statements: list[Statement] = []
    forwarded = low.model.routing.event_tunnels.get(node.id)
    if node.hooks:
        pair = _factory(low, node, payload_type)
    else:
        pair = Tuple((low.rt("emit_to_no_hooks"), low.rt("report_no_hooks")))
    if forwarded is None:
        statements.append(Assign((emit, report), pair))
    else:
        local, local_value = low.slot(f"local_{attr}", emit_type)
        statements.append(Assign((local, report), pair))
        statements += _forwarding(low, node, local_value, *forwarded)
        forward = statements.pop()
        assert isinstance(forward, Do)
        statements.append(Assign(emit, call(low.rt("forwarding"), forward.value)))
    # A test may take the emissions instead of the hooks.
    member = Member(attr, low.member_types[node.id], node.id)
    chosen = low.replaced_or("events", member, Const(None))
    given = (emit_value, report_value)
    statements.append(Assign((emit, report), call(low.rt("overriding"), chosen, *given)))
    bound = call(low.rt("bind_emitter"), emit_value, report_value, low.rt("OUTSIDE"))
    statements.append(Assign(outside, bound))
    return statements


def _factory(low: Lowering, node: Node, payload_type: str) -> Expr:
    params = FactoryParams(Scope(low.names))
    scope = params.scope
    emission = scope.name("emission")
    hooks: list[HookCallIR] = []
    table: list[Expr] = []
    for hook_id in node.hooks:
        hook = low.model.nodes[hook_id]
        signature = hook.functions["run"]
        annotations = {param.name: param.annotation for param in signature.keyword}
        keywords = {
            key: params.add(key, low.annotation(annotations[key]), value)
            for key, value in low.keyword_values(hook, signature, None).items()
        }
        function = Ref(low.function(signature))
        order = hook.definition.order
        run = call(function, Ref(emission), **keywords)
        hooks.append(HookCallIR(hook.id, low.comment(hook), order, Callee(run, signature.is_async)))
        bound: Expr = call(Ref(low.partial()), function, **keywords) if keywords else function
        table.append(call(low.rt("HookCall"), Const(hook.id), Const(order), bound))
    payload = scope.name("payload")
    emission_class = low.runtime("runner_gen.runtime.events", "Emission")
    for role in ("failure_mode", "throw_on_error", "source"):
        low.parameter(role)
    factory = EventFactory(
        id=node.id,
        comment=low.comment(node),
        name=low.local(f"_event_{low.attrs[node.id]}"),
        params=tuple(params.params),
        return_type=(
            f"tuple[{low.rt_type('EmitFunction')}[{payload_type}], "
            f"{low.rt_type('ReportFunction')}[{payload_type}]]"
        ),
        payload_type=payload_type,
        hooks_name=scope.name("hooks"),
        hook_table=Tuple(tuple(table)),
        emit_name=scope.name("emit"),
        payload=payload,
        emission=emission,
        emission_value=call(
            emission_class, Const(node.id), Ref(payload), Ref(low.parameter("source"))
        ),
        error=scope.name("error"),
        hooks=tuple(hooks),
    )
    low.factories.append(factory)
    low.record(factory.name, node)
    return call(Ref(factory.name), **dict(params.passed))


def _forwarding(
    low: Lowering, node: Node, hooks_local: Expr, tunnel: str, delivery: str
) -> list[Statement]:
    """Subscribe the local hooks to remote emissions (when the tunnel consumes), and end with
    the forwarding emitter as an expression statement for the caller to assign."""
    encode: Expr = Const(None)
    decode: Expr = Const(None)
    if node.payload_type.text != "None":
        encode = Attr(Ref(low.adapter(node.payload_type)), "dump_python")
        decode = Attr(Ref(low.adapter(node.payload_type)), "validate_python")
    helper = low.runtime("runner_gen.runtime.forwarding", "remote_event")
    transport = low.values[tunnel]
    statements: list[Statement] = []
    if tunnel in low.model.routing.consuming:
        # Emissions from other processes run this process's hooks.
        handler = call(low.rt("decoded"), hooks_local, decode)
        statements.append(Do(call(Attr(transport, "subscribe"), Const(node.id), handler)))
    forward = call(helper, transport, Const(node.id), encode, hooks_local, Const(delivery))
    statements.append(Do(forward))
    return statements
