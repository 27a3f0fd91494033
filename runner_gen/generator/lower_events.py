"""Lower events: an emitter per event that calls its hooks in order (a factory receiving the
hooks' dependencies), forwarded through a client tunnel when one routes the event."""

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
    Param,
    Ref,
    call,
)
from runner_gen.generator.lower_chain import FactoryParams
from runner_gen.generator.lowering import Lowering
from runner_gen.generator.model import Node
from runner_gen.generator.naming import Scope


def lower_event(low: Lowering, node: Node) -> list[Assign | Do]:
    attr = low.attrs[node.id]
    payload_type = low.annotation(node.payload_type)
    callable_type = f"{low.helper('callable')}[[{payload_type}], {low.helper('awaitable')}[None]]"
    low.member_types[node.id] = callable_type
    local = low.local(f"emit_{attr}")
    low.values[node.id] = Ref(local)
    forwarded = low.model.routing.event_tunnels.get(node.id)
    emitter = _hooks_emitter(low, node, payload_type, callable_type)
    statements: list[Assign | Do]
    if forwarded is None:
        statements = [Assign(local, emitter, None, low.on_events(attr))]
    else:
        hooks_local = low.local(f"local_{attr}")
        statements = [Assign(hooks_local, emitter)]
        statements += _forwarding(low, node, hooks_local, *forwarded)
        statements.append(Assign(local, statements.pop().value, None, low.on_events(attr)))
    return statements


def _hooks_emitter(low: Lowering, node: Node, payload_type: str, callable_type: str) -> Expr:
    if not node.hooks:
        return low.rt("no_hooks")
    params = FactoryParams(Scope(low.names))
    scope = params.scope
    emission = scope.name("emission")
    hooks = []
    for hook_id in node.hooks:
        hook = low.model.nodes[hook_id]
        signature = hook.functions["run"]
        annotations = {param.name: param.annotation for param in signature.keyword}
        keywords = {
            key: params.add(key, low.annotation(annotations[key]), value)
            for key, value in low.keyword_values(hook, signature, None).items()
        }
        run = call(Ref(low.function(signature)), Ref(emission), **keywords)
        hooks.append(
            HookCallIR(
                hook.id, low.comment(hook), hook.definition.order, Callee(run, signature.is_async)
            )
        )
    payload = Param(scope.name("payload"), payload_type)
    emission_class = low.runtime("runner_gen.runtime.events", "Emission")
    factory = EventFactory(
        id=node.id,
        comment=low.comment(node),
        name=low.local(f"_event_{low.attrs[node.id]}"),
        params=tuple(params.params),
        callable_type=callable_type,
        emit_name=scope.name("emit"),
        payload=payload,
        emission=emission,
        emission_value=call(emission_class, Const(node.id), Ref(payload.name)),
        hooks=tuple(hooks),
    )
    low.factories.append(factory)
    low.record(factory.name, node)
    return call(Ref(factory.name), **dict(params.passed))


def _forwarding(
    low: Lowering, node: Node, hooks_local: str, tunnel: str, delivery: str
) -> list[Assign | Do]:
    """Subscribe the local hooks to remote emissions (when the tunnel consumes), and end with
    the forwarding emitter as an expression statement for the caller to assign."""
    encode: Expr = Const(None)
    decode: Expr = Const(None)
    if node.payload_type.text != "None":
        encode = Attr(Ref(low.adapter(node.payload_type)), "dump_python")
        decode = Attr(Ref(low.adapter(node.payload_type)), "validate_python")
    helper = low.runtime("runner_gen.runtime.forwarding", "remote_event")
    transport = low.values[tunnel]
    statements: list[Assign | Do] = []
    if tunnel in low.model.routing.consuming:
        # Emissions from other processes run this process's hooks.
        handler = call(low.rt("decoded"), Ref(hooks_local), decode)
        statements.append(Do(call(Attr(transport, "subscribe"), Const(node.id), handler)))
    forward = call(helper, transport, Const(node.id), encode, Ref(hooks_local), Const(delivery))
    statements.append(Do(forward))
    return statements
