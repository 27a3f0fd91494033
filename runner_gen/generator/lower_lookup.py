"""Lower lookup by id: ``app.run_task(id, input)``, ``app.emit_event(id, payload)``,
``app.get_resource_value(id)`` and ``app.get_resource_config(id)`` (Runner's RunResult API).

Each method gets one ``@overload`` per group of ids sharing their types, the id typed as a
``Literal`` of the group, so mypy knows each id's input, result, payload, value and config and
rejects an unknown id. Grouping keeps the overload count (which mypy checks pairwise) at the
number of distinct signatures, not the number of definitions. Two more overloads take the
definition object itself, as Runner does. The tables behind them are built on the first
lookup (``App._tables()``), so ``start()`` does not pay for a feature an app may never use; then
each call is one dict lookup in the runtime's ``Lookup``. Only configured resources are in the
configs table (the runtime answers None for the others).

Method and keyword parameter names (``run_task``, ``journal=``) are public API, like ``dispose``:
fixed, not allocated. They cannot shadow anything: the method bodies use only ``self`` and
their own parameters, and annotations resolve outside the function. The App's attribute names
are reserved in the naming authority (``APP_ATTRIBUTES``), so no annotation name equals one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from runner_gen.generator.annotations import Annotation, TypeImport
from runner_gen.generator.builtin_ids import STORE_ID
from runner_gen.generator.ir import (
    Arg,
    Assign,
    Attr,
    Call,
    Const,
    Dict,
    Expr,
    LookupIR,
    LookupMethod,
    Overload,
    Ref,
    TaskFactory,
    call,
)
from runner_gen.generator.lowering import Lowering
from runner_gen.generator.model import Node

LOOKUP = "runner_gen.runtime.lookup"
KINDS = "runner_gen.definitions.kinds"
JOURNAL = "runner_gen.runtime.journal"
SELF = Ref("self")
TABLES = call(Attr(SELF, "_tables"))


def lower_lookup(low: Lowering, root_config_type: str | None) -> LookupIR:
    names = _Names(low)
    tasks = _nodes(low, "task")
    events = _nodes(low, "event")
    resources = _nodes(low, "resource")
    journaled = _journaled_tasks(low)
    c = low.core
    # Built in App._tables(): the App's own attributes, not start()'s locals.
    app_tasks, app_events, app_resources = (
        Attr(SELF, name) for name in ("tasks", "events", "resources")
    )
    task_entries: list[tuple[Expr, Expr]] = []
    journal_entries: list[tuple[Expr, Expr]] = []
    for node in tasks:
        member: Expr = Attr(app_tasks, low.attrs[node.id])
        takes_input = node.input_type is not None
        if node.id in journaled:
            entry = call(names.lookup("as_journaled"), member, Const(takes_input))
            journal_entries.append((Const(node.id), entry))
        if not takes_input:
            member = call(names.lookup("without_input"), member)
        task_entries.append((Const(node.id), member))
    configs = Arg(low.names.new("configs"), f"dict[str, {low.helper('any')}]")
    value = call(
        names.lookup("Lookup"),
        Ref(c.app_id),
        Attr(Attr(SELF, "_lifecycle"), "is_running"),
        tasks=Dict(tuple(task_entries)),
        journaled=Dict(tuple(journal_entries)),
        events=Dict(tuple((Const(n.id), Attr(app_events, low.attrs[n.id])) for n in events)),
        values=Dict(tuple((Const(n.id), Attr(app_resources, low.attrs[n.id])) for n in resources)),
        configs=Attr(SELF, "_configs"),
    )
    methods = (
        _run_task(low, names, tasks, with_journal=bool(journaled)),
        _emit_event(low, names, events),
        _resource_method(low, names, resources, "value"),
        _resource_method(low, names, resources, "config", root_config_type),
    )
    config_values = tuple(
        (Const(node.id), config)
        for node in resources
        if (config := _config_value(low, node, root_config_type)) != Const(None)
    )
    return LookupIR(
        attribute="_lookup",
        lookup_class=names.lookup("Lookup").name,
        value=value,
        configs=configs,
        configs_value=Dict(config_values),
        overload=low.imports.type_name("typing", "overload"),
        methods=methods,
    )


class _Names:
    """Names the lookup methods print, bound once through the module's imports."""

    def __init__(self, low: Lowering) -> None:
        self.low = low

    def lookup(self, name: str) -> Ref:
        return Ref(self.low.runtime(LOOKUP, name))

    def type(self, module: str, name: str) -> str:
        """A name used only in annotations (typing-only import, avoiding App attributes)."""
        return self.low.imports.annotation(Annotation(name, (TypeImport(module, name, name),)))

    def literal(self, values: Iterable[str | bool]) -> str:
        """``Literal["a", "b"]`` (escaped as every literal the generator prints)."""
        literal = self.low.imports.type_name("typing", "Literal")
        texts = (repr(value) if isinstance(value, bool) else json.dumps(value) for value in values)
        return f"{literal}[{', '.join(texts)}]"

    def awaitable(self, type_text: str) -> str:
        return f"{self.low.helper('awaitable')}[{type_text}]"


def _nodes(low: Lowering, kind: str) -> list[Node]:
    """Definitions of ``kind`` the generated namespaces hold, in init order."""
    return [
        low.model.nodes[node_id]
        for node_id in low.model.order
        if low.model.nodes[node_id].kind == kind
        and node_id in low.member_types
        and node_id != STORE_ID
    ]


def _journaled_tasks(low: Lowering) -> frozenset[str]:
    return frozenset(
        factory.id
        for factory in low.factories
        if isinstance(factory, TaskFactory) and factory.chain and factory.chain.journaled
    )


#: How many (id, id) pairs across the overloads of one method mypy may compare: it checks every
#: pair of overloads for overlap, comparing their ``Literal`` unions item by item (~4 us a
#: pair), so the cost grows with the square of the ids that have distinct types. Up to about a
#: hundred such ids each gets its types; beyond, one overload takes any of the ids (an unknown
#: id stays a type error) with ``Any`` types, and typed calls go through ``app.tasks.x`` or the
#: definition form, ``run_task(task, input)``. Keeps ``mypy --strict`` of the generated package
#: linear in the app's size (benchmarks/scaling.py).
OVERLAP_BUDGET = 5_000


def _grouped(
    nodes: Iterable[Node], signature: Callable[[Node], tuple[str | None, ...]]
) -> list[tuple[tuple[str, ...], tuple[str | None, ...] | None]]:
    """Ids grouped by their signature, groups in order of first appearance; or every id in one
    group without a signature (None) when typing each group would cost mypy too much."""
    groups: dict[tuple[str | None, ...], list[str]] = {}
    for node in nodes:
        groups.setdefault(signature(node), []).append(node.id)
    sizes = [len(ids) for ids in groups.values()]
    total = sum(sizes)
    pairs = (total * total - sum(size * size for size in sizes)) // 2
    if pairs > OVERLAP_BUDGET:
        return [(tuple(i for ids in groups.values() for i in ids), None)]
    return [(tuple(ids), key) for key, ids in groups.items()]


def _required(name: str, type_text: str) -> Arg:
    return Arg(name, type_text)


def _optional_none(name: str, type_text: str = "None") -> Arg:
    return Arg(name, type_text, Const(None))


def _run_task(
    low: Lowering, names: _Names, tasks: list[Node], *, with_journal: bool
) -> LookupMethod:
    def signature(node: Node) -> tuple[str | None, ...]:
        given = None if node.input_type is None else low.annotation(node.input_type)
        return (given, low.annotation(node.result_type))

    keywords: tuple[Arg, ...] = ()
    if with_journal:
        journal = names.type(JOURNAL, "Journal")
        keywords = (_optional_none("journal", f"{journal} | None"),)
    any_ = low.helper("any")
    overloads: list[Overload] = []
    for ids, key in _grouped(tasks, signature):
        result: str | None = any_
        if key is None:  # too many to type each: any of these ids, untyped
            value = _optional_none("input", any_)
        else:
            given, result = key
            value = _optional_none("input") if given is None else _required("input", given)
        overloads.append(
            Overload(
                (_required("id", names.literal(ids)), value),
                keywords,
                names.awaitable(result or ""),
            )
        )
    task = names.type(KINDS, "Task")
    input_t, output_t = names.type(LOOKUP, "InputT"), names.type(LOOKUP, "OutputT")
    overloads.append(
        Overload(
            (_required("id", f"{task}[None, {output_t}]"), _optional_none("input")),
            keywords,
            names.awaitable(output_t),
        )
    )
    overloads.append(
        Overload(
            (_required("id", f"{task}[{input_t}, {output_t}]"), _required("input", input_t)),
            keywords,
            names.awaitable(output_t),
        )
    )
    implementation = Overload(
        (_required("id", f"str | {task}[{any_}, {any_}]"), _optional_none("input", any_)),
        keywords,
        names.awaitable(any_),
    )
    arguments: list[Expr] = [Ref("id"), Ref("input")]
    if with_journal:
        arguments.append(Ref("journal"))
    body = Call(Attr(TABLES, "run_task"), tuple(arguments))
    doc = "Runner's ``runTask``: run the task ``id`` (or its definition) with ``input``."
    return LookupMethod("run_task", doc, tuple(overloads), implementation, body)


def _emit_event(low: Lowering, names: _Names, events: list[Node]) -> LookupMethod:
    rt = low.helper("rt")
    failure_mode = Arg("failure_mode", f"{rt}.FailureMode", Const("fail-fast"))
    throw_on_error = Arg("throw_on_error", "bool", Const(True))
    quiet = Arg("report", names.literal([False]), Const(False))
    loud = Arg("report", names.literal([True]))
    report_type = names.awaitable(f"{rt}.EmitReport")
    none_type = names.awaitable("None")

    def payload_arg(type_text: str | None) -> Arg:
        return (
            _optional_none("payload")
            if type_text in {None, "None"}
            else _required("payload", type_text or "")
        )

    any_ = low.helper("any")
    overloads: list[Overload] = []
    for ids, key in _grouped(events, lambda node: (low.annotation(node.payload_type),)):
        payload = _optional_none("payload", any_) if key is None else payload_arg(key[0])
        head = (_required("id", names.literal(ids)), payload)
        overloads.append(Overload(head, (failure_mode, throw_on_error, quiet), none_type))
        overloads.append(Overload(head, (failure_mode, throw_on_error, loud), report_type))
    event = names.type(KINDS, "Event")
    payload_t = names.type(LOOKUP, "PayloadT")
    head = (_required("id", f"{event}[{payload_t}]"), _required("payload", payload_t))
    overloads.append(Overload(head, (failure_mode, throw_on_error, quiet), none_type))
    overloads.append(Overload(head, (failure_mode, throw_on_error, loud), report_type))
    implementation = Overload(
        (_required("id", f"str | {event}[{any_}]"), _optional_none("payload", any_)),
        (failure_mode, throw_on_error, Arg("report", "bool", Const(False))),
        names.awaitable(f"{rt}.EmitReport | None"),
    )
    body = Call(
        Attr(TABLES, "emit_event"),
        (Ref("id"), Ref("payload")),
        tuple((key, Ref(key)) for key in ("failure_mode", "throw_on_error", "report")),
    )
    doc = "Runner's ``emitEvent``: emit the event ``id`` (or its definition) from outside."
    return LookupMethod("emit_event", doc, tuple(overloads), implementation, body)


def _resource_method(
    low: Lowering,
    names: _Names,
    resources: list[Node],
    what: str,
    root_config_type: str | None = None,
) -> LookupMethod:
    def signature(node: Node) -> tuple[str | None, ...]:
        if what == "value":
            return (low.member_types[node.id],)
        return (_config_type(low, node, root_config_type),)

    any_ = low.helper("any")
    overloads = [
        Overload((_required("id", names.literal(ids)),), (), (key[0] or "None") if key else any_)
        for ids, key in _grouped(resources, signature)
    ]
    resource = names.type(KINDS, "Resource")
    if what == "value":
        value_t = names.type(LOOKUP, "ValueT")
        overloads.append(
            Overload((_required("id", f"{resource}[{any_}, {value_t}]"),), (), value_t)
        )
    else:
        config_t = names.type(LOOKUP, "ConfigT")
        overloads.append(
            Overload((_required("id", f"{resource}[{config_t}, {any_}]"),), (), config_t)
        )
    implementation = Overload((_required("id", f"str | {resource}[{any_}, {any_}]"),), (), any_)
    runtime_method = "resource_value" if what == "value" else "resource_config"
    body = Call(Attr(TABLES, runtime_method), (Ref("id"),))
    runner = "getResourceValue" if what == "value" else "getResourceConfig"
    doc = f"Runner's ``{runner}``: the {what} of the resource ``id`` (or its definition)."
    return LookupMethod(f"get_resource_{what}", doc, tuple(overloads), implementation, body)


def _config_type(low: Lowering, node: Node, root_config_type: str | None) -> str:
    """The config's type as the resource's init declares it (``Any`` without an annotation,
    ``None`` for a resource without a config)."""
    if node.definition.config_schema is None:
        return "None"
    if node.id == low.model.root_id:
        return root_config_type or low.helper("any")
    init = node.functions.get("init")
    if init is not None and init.positional:
        return low.annotation(init.positional[0].annotation)
    return low.helper("any")


def _config_value(low: Lowering, node: Node, root_config_type: str | None) -> Expr:
    """What start() passes for the config of ``node``: the local its resource was started with
    (the very object init received), start()'s own ``config`` for the root, None otherwise."""
    if node.definition.config_schema is None:
        return Const(None)
    if node.id == low.model.root_id:
        return Ref(low.core.config)
    if node.config is None:
        return Const(None)
    wanted = low.config(node.config)
    for block in low.blocks:
        for statement in block.body:
            if isinstance(statement, Assign) and statement.value == wanted:
                target = statement.target
                if isinstance(target, str):
                    # ``state.cfg_x``: start() keeps it on its state object.
                    holder, _, attribute = target.rpartition(".")
                    return Attr(Ref(holder), attribute) if holder else Ref(target)
    return wanted  # pragma: no cover - every configured resource assigns its config first
