"""Lower resources: config, context, init (behind a factory when resource middleware wrap it),
health check and disposer, as straight-line statements of start()."""

from __future__ import annotations

from runner_gen.generator.ir import (
    Assign,
    Attr,
    Await,
    Callee,
    Const,
    Do,
    Expr,
    Member,
    Param,
    Ref,
    ResourceFactory,
    Statement,
    call,
)
from runner_gen.generator.lower_chain import FactoryParams, build_chain
from runner_gen.generator.lowering import Lowering
from runner_gen.generator.model import Node
from runner_gen.generator.naming import Scope


def lower_resource(low: Lowering, node: Node) -> list[Statement]:
    """The statements starting ``node``; its value is left in ``low.values[node.id]``."""
    definition = node.definition
    attr = low.attrs[node.id]
    init = node.functions.get("init")
    value_type = low.annotation(init.returns) if init is not None and init.returns else "None"
    low.member_types[node.id] = value_type
    local, value_ref = low.member(low.core.resources, attr)
    statements: list[Statement] = []
    config: Expr | None = None
    has_config = definition.config_schema is not None
    if has_config and node.id == low.model.root_id:
        config = Ref(low.core.config)
    elif node.config is not None:
        if init is not None and init.positional:
            config_type = low.annotation(init.positional[0].annotation)
        else:
            config_type = low.helper("any")
        config_local, config = low.slot(f"cfg_{attr}", config_type)
        statements.append(Assign(config_local, low.config(node.config)))
    context: Expr | None = None
    if definition.context is not None:
        factory = node.functions["context"]
        context_local, context = low.slot(f"ctx_{attr}", low.annotation(factory.returns))
        statements.append(Assign(context_local, call(Ref(low.function(factory)))))
    if node.middleware:
        value = _through_middleware(low, node, config, context, value_type)
    elif init is not None:
        given: tuple[Expr, ...] = (config,) if config is not None else ()
        value = call(Ref(low.function(init)), *given, **low.keyword_values(node, init, context))
        if init.is_async:
            value = Await(value)
    else:
        value = Const(None)
    created: list[Statement] = []  # what an override of this resource replaces
    if value_type == "None" and not isinstance(value, Const):
        # mypy rejects using the result of a function that returns None.
        created.append(Do(value))
        value = Const(None)
    created.append(Assign(local, value))
    dispose = node.functions.get("dispose")
    if dispose is not None:
        arguments: tuple[Expr, ...] = (value_ref,)
        if config is not None and len(dispose.positional) > 1:
            arguments = (value_ref, config)
        keywords = low.keyword_values(node, dispose, context)
        function: Expr = Ref(low.function(dispose))
        if keywords:
            function = call(Ref(low.partial()), function, *arguments, **keywords)
            arguments = ()
        created.append(low.push_disposer(node.id, function, arguments))
    if node.id == low.model.root_id:
        statements += created
    else:
        # A test may hand in the value instead: then neither init nor dispose runs.
        member = Member(attr, value_type, node.id)
        statements.append(low.unless_replaced("resources", member, local, created))
    low.values[node.id] = value_ref
    health = node.functions.get("health")
    if health is not None:
        check = call(
            Ref(low.partial()), Ref(low.function(health)), value_ref,
            **low.keyword_values(node, health, context),
        )  # fmt: skip
        statements.append(Do(call(Attr(Ref(low.core.health), "add"), Const(node.id), check)))
    return statements


def _through_middleware(
    low: Lowering, node: Node, config: Expr | None, context: Expr | None, value_type: str
) -> Expr:
    init = node.functions.get("init")
    params = FactoryParams(Scope(low.names))
    scope = params.scope
    any_type = low.helper("any")
    config_param = Param(scope.name("config"), any_type)
    keywords: dict[str, Expr] = {}
    if init is not None:
        annotations = {param.name: param.annotation for param in init.keyword}
        for key, value in low.keyword_values(node, init, context).items():
            keywords[key] = params.add(key, low.annotation(annotations[key]), value)
    chain = build_chain(low, node, params)
    assert chain is not None  # the node has middleware
    init_config = scope.name("config")
    callee = None
    if init is not None:
        arguments = (Ref(init_config),) if config is not None else ()
        callee = Callee(call(Ref(low.function(init)), *arguments, **keywords), init.is_async)
    factory = ResourceFactory(
        id=node.id,
        comment=low.comment(node),
        name=low.local(f"_init_{low.attrs[node.id]}"),
        params=tuple(params.params),
        config=config_param,
        value_type=value_type,
        init_name=scope.name("init"),
        init_config=init_config,
        init=callee,
        chain=chain,
        value_name=scope.name("value"),
    )
    low.factories.append(factory)
    low.record(factory.name, node)
    passed = {
        config_param.name: config if config is not None else Const(None),
        **dict(params.passed),
    }
    return Await(call(Ref(factory.name), **passed))
