"""Lower tasks: a factory per task that needs one (dependencies, middleware, a sync run
function), the user's function itself when nothing wraps it, or a remote call for tasks a
client tunnel routes."""

from __future__ import annotations

from runner_gen.generator.ir import (
    Assign,
    Attr,
    Callee,
    Const,
    Dict,
    Do,
    Expr,
    Param,
    Ref,
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
from runner_gen.generator.lowering import Lowering
from runner_gen.generator.model import Node
from runner_gen.generator.naming import Scope


def lower_task(low: Lowering, node: Node) -> list[Assign | Do]:
    attr = low.attrs[node.id]
    input_type = None if node.input_type is None else low.annotation(node.input_type)
    output_type = low.annotation(node.result_type)
    callable_type = (
        f"{low.helper('callable')}[[{input_type or ''}], {low.helper('awaitable')}[{output_type}]]"
    )
    low.member_types[node.id] = callable_type
    local = low.local(f"task_{attr}")
    low.values[node.id] = Ref(local)
    if node.id in low.model.routing.task_tunnels:
        return [_remote_task(low, node, local, callable_type, input_type is not None)]
    signature = node.functions["run"]
    params = FactoryParams(Scope(low.names))
    scope = params.scope
    parameter = None if input_type is None else Param(scope.name("value"), input_type)
    annotations = {param.name: param.annotation for param in signature.keyword}
    keywords: list[tuple[str, Expr]] = [
        (key, params.add(key, low.annotation(annotations[key]), value))
        for key, value in low.keyword_values(node, signature, None).items()
    ]
    if wants_journal(node):
        keywords.append((JOURNAL_KEYWORD, journal_argument(low)))  # read per call
    chain = build_chain(low, node, params)
    function = Ref(low.function(signature))
    if chain is None and not keywords and signature.is_async:
        # Nothing to bind or wrap: the task is the user's function itself.
        return [Assign(local, function, None, low.on_tasks(attr))]
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
    )
    low.factories.append(factory)
    low.record(factory.name, node)
    built = call(Ref(factory.name), **dict(params.passed))
    return [Assign(local, built, None, low.on_tasks(attr))]


def _remote_task(
    low: Lowering, node: Node, local: str, callable_type: str, takes_input: bool
) -> Assign:
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
    value = remote if takes_input else call(low.partial(), remote, Const(None))
    return Assign(local, value, None, low.on_tasks(low.attrs[node.id]))


def remote_errors(low: Lowering) -> Expr:
    """``{error id: its from_remote}`` for every registered typed error, or None."""
    entries = tuple(
        (Const(error_id), Attr(low.values[error_id], "from_remote"))
        for error_id in low.model.error_ids
    )
    return Dict(entries) if entries else Const(None)
