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
    emit_name = scope.name("emit")
    # A hook emitting this very event, or a cycle guard, needs the report function before the
    # hook table exists: then it is built first, over the table filled in afterwards.
    own_uses = {
        hook_id: {
            use.key
            for use in low.model.nodes[hook_id].dependencies
            if use.target_id == node.id and use.registered
        }
        for hook_id in node.hooks
    }
    late = node.cycle_guard or any(own_uses.values())
    report_name = scope.name("report") if late else ""
    guard = _guard(low, node, scope, emit_name, report_name)
    # What the event's own hooks and its callers get: the guarded functions, when guarded.
    emitted = (emit_name, report_name) if guard is None else guard.target
    hooks: list[HookCallIR] = []
    table: list[Expr] = []
    self_bindings: list[tuple[str, Expr]] = []
    for hook_id in node.hooks:
        hook = low.model.nodes[hook_id]
        signature = hook.functions["run"]
        annotations = {param.name: param.annotation for param in signature.keyword}
        own = own_uses[hook_id]
        keywords: dict[str, Expr] = {}
        for key, value in low.keyword_values(hook, signature, None).items():
            if key in own:
                # The hook emits this very event: bound here, to the emitter built below.
                local = scope.name(key)
                own_emitter = call(
                    low.rt("bind_emitter"), Ref(emitted[0]), Ref(emitted[1]), Const(hook.id)
                )
                self_bindings.append((local, own_emitter))
                keywords[key] = Ref(local)
            else:
                keywords[key] = params.add(key, low.annotation(annotations[key]), value)
        function = Ref(low.function(signature))
        order = hook.definition.order
        run = call(function, Ref(emission), **keywords)
        skips_own = hook.id in node.reemitting_hooks
        callee = Callee(run, signature.is_async)
        hooks.append(HookCallIR(hook.id, low.comment(hook), order, callee, skips_own))
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
        emit_name=emit_name,
        payload=payload,
        emission=emission,
        emission_value=call(
            emission_class, Const(node.id), Ref(payload), Ref(low.parameter("source"))
        ),
        error=scope.name("error"),
        hooks=tuple(hooks),
        self_bindings=tuple(self_bindings),
        guard=guard,
        report_name=report_name,
    )
    low.factories.append(factory)
    low.record(factory.name, node)
    return call(Ref(factory.name), **dict(params.passed))


def _guard(low: Lowering, node: Node, scope: Scope, emit: str, report: str) -> Assign | None:
    """The emit and report functions behind a run-time cycle guard, for events whose emissions
    can recurse (decided at build time: ``Node.cycle_guard``)."""
    if not node.cycle_guard:
        return None
    guard = low.runtime("runner_gen.runtime.emission_guard", "guard_cycles")
    hook_ids = Tuple(tuple(Const(hook_id) for hook_id in node.hooks))
    targets = (scope.name("guarded_emit"), scope.name("guarded_report"))
    return Assign(targets, call(guard, Ref(emit), Ref(report), Const(node.id), hook_ids))


def _forwarding(
    low: Lowering, node: Node, hooks_local: Expr, tunnel: str, delivery: str, asks: bool
) -> list[Statement]:
    """Subscribe the local hooks to remote emissions (when the tunnel consumes), and end with
    the forwarding emitter as an expression statement for the caller to assign. ``asks``: the
    tunnel asks the remote for the final payload (``return_payload``), decoded on return."""
    if tunnel in low.model.routing.custom:
        return [Do(_custom_forwarding(low, node, hooks_local, tunnel, delivery))]
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
    sink = transport
    keywords: dict[str, Expr] = {}
    if asks and delivery != "local-only":
        sink = call(low.runtime("runner_gen.runtime.tunnel", "PayloadReturning"), transport)
        keywords["decode"] = decode
    if delivery == "remote-first":
        keywords["tunnel_id"] = Const(tunnel)  # named in the fallback's warning
    arguments = (sink, Const(node.id), encode, hooks_local, Const(delivery))
    forward = call(helper, *arguments, **keywords)
    statements.append(Do(forward))
    return statements


def _custom_forwarding(
    low: Lowering, node: Node, hooks_local: Expr, tunnel: str, delivery: str
) -> Expr:
    """The forwarding emitter of an event a custom tunnel routes: each emission handed to the
    value's ``emit`` as an ``Emission`` (in process: nothing to encode); what it returns, when
    not None, is the final payload, as Runner's tunnel middleware makes it."""
    sink = call(
        low.runtime("runner_gen.runtime.custom_tunnel", "EmittingTunnel"),
        low.values[tunnel],
        Const(tunnel),
    )
    helper = low.runtime("runner_gen.runtime.forwarding", "remote_event")
    keywords: dict[str, Expr] = {}
    if delivery == "remote-first":
        keywords["tunnel_id"] = Const(tunnel)  # named in the fallback's warning
    encode: Expr = Const(None)  # no payload
    if node.payload_type.text != "None":
        encode = Ref(low.runtime("runner_gen.runtime.custom_tunnel", "as_is"))
    arguments = (sink, Const(node.id), encode, hooks_local, Const(delivery))
    return call(helper, *arguments, **keywords)
