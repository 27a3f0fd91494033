"""The IR the templates render: pure data, every decision made, every name allocated.

Values are expression trees (``Expr``), not Python text; the only text is a type annotation as
the user wrote it (its head names already bound by the naming authority). Templates print these
records in order and add nothing but punctuation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

# -- expressions -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ref:
    """A name the naming authority allocated (local, parameter, import)."""

    name: str


@dataclass(frozen=True, slots=True)
class Const:
    """A literal taken from the definitions (an id, a number); rendered escaped."""

    value: str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Attr:
    base: Expr
    attr: str


@dataclass(frozen=True, slots=True)
class Index:
    base: Expr
    index: int


@dataclass(frozen=True, slots=True)
class Key:
    """``base["key"]``: an entry of a mapping (a TypedDict of overrides)."""

    base: Expr
    key: str


@dataclass(frozen=True, slots=True)
class Contains:
    """``"key" in container``."""

    key: str
    container: Expr


@dataclass(frozen=True, slots=True)
class IsNotNone:
    value: Expr


@dataclass(frozen=True, slots=True)
class IfElse:
    """``then if condition else otherwise``."""

    then: Expr
    condition: Expr
    otherwise: Expr


@dataclass(frozen=True, slots=True)
class And:
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Call:
    function: Expr
    args: tuple[Expr, ...] = ()
    kwargs: tuple[tuple[str, Expr], ...] = ()


@dataclass(frozen=True, slots=True)
class Await:
    value: Expr


@dataclass(frozen=True, slots=True)
class Tuple:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Dict:
    items: tuple[tuple[Expr, Expr], ...]


Expr: TypeAlias = (
    Ref | Const | Attr | Index | Key | Contains | IsNotNone | IfElse | And | Call | Await | Tuple
    | Dict
)  # fmt: skip


def call(function: Expr | str, *args: Expr, **kwargs: Expr) -> Call:
    target = Ref(function) if isinstance(function, str) else function
    return Call(target, args, tuple(kwargs.items()))


# -- module-level functions (factories) ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: str


@dataclass(frozen=True, slots=True)
class Layer:
    """One middleware layer wrapped around the chain (layers are listed innermost first).

    builtin: ``chain = instance.wrap(chain, info, config)``; custom: ``chain =
    custom_task_layer(function, info, chain)`` (or the resource one), where ``function`` is the
    user's middleware itself, or a nested function binding its config, dependencies and the
    journal when it takes any.
    """

    kind: Literal["builtin", "custom"]
    config: Expr
    instance: Expr | None = None  # builtin: the per-app middleware instance (a parameter)
    wrap: Expr | None = None  # custom: the ``custom_*_layer(...)`` call adding the layer
    function: str = ""  # custom with bindings: the nested function's name
    call_param: Param | None = None  # its parameter: the call object
    config_name: str | None = None  # custom with a config schema: local bound to the config
    run: Call | None = None  # its body: the user's middleware call


@dataclass(frozen=True, slots=True)
class Chain:
    """A middleware chain around a task's run or a resource's init, composed once."""

    info: str  # local holding the DefinitionInfo given to every layer
    info_value: Expr
    chain: str  # local holding the chain as it grows
    layers: tuple[Layer, ...]  # innermost first
    value: str  # a task without input: its run function's (ignored) parameter
    journaled: Expr | None = None  # the outermost entry giving each call a journal, if needed


@dataclass(frozen=True, slots=True)
class Callee:
    """The user's function as called from a generated function."""

    call: Call
    is_async: bool


@dataclass(frozen=True, slots=True)
class ScopedValue:
    """A call-scoped resource: created when a call starts, disposed when it ends."""

    id: str
    local: str
    init: Callee | None  # None: no init, the value is None
    dispose: Callee | None


@dataclass(frozen=True, slots=True)
class TaskFactory:
    """``def _task_x(*, deps...) -> Callable[[I], Awaitable[O]]``: one task's callable (the
    user's run function behind its middleware chain), built from its dependencies."""

    id: str
    comment: str
    name: str
    params: tuple[Param, ...]
    callable_type: str
    run_name: str  # the nested function calling the user's function
    input: Param | None  # None: the task takes no input
    output_type: str
    run: Callee
    chain: Chain | None
    scoped: tuple[ScopedValue, ...] = ()  # created per call, around the user's function


@dataclass(frozen=True, slots=True)
class HookCallIR:
    id: str
    comment: str
    order: int
    run: Callee
    skips_own: bool = False  # it emits this event itself: skipped when it is the source


@dataclass(frozen=True, slots=True)
class EventFactory:
    """``def _event_x(*, deps...) -> (emit, report)``: the event's emit function (the default,
    fail-fast path calls the hooks in order as straight-line code, each failure raised as a
    ``HookError``; other modes go through ``run_hooks``) and its report function."""

    id: str
    comment: str
    name: str
    params: tuple[Param, ...]
    return_type: str
    payload_type: str
    hooks_name: str  # local: the static tuple of HookCall, for the other modes and report
    hook_table: Expr
    emit_name: str
    payload: str
    emission: str  # local holding the Emission
    emission_value: Expr
    error: str  # the except clause's name
    hooks: tuple[HookCallIR, ...]
    # Hooks' dependencies on this very event: locals bound to the emitter built here.
    self_bindings: tuple[tuple[str, Expr], ...] = ()
    # Emissions can recurse: ``emit, report = guard_cycles(...)`` over the functions above;
    # the factory returns (and its own hooks are bound to) those names instead.
    guard: Assign | None = None
    # With self-bindings or a guard: the report function's local, built before the hook table
    # (over the list the table is then added to); "" otherwise (built at the return).
    report_name: str = ""


@dataclass(frozen=True, slots=True)
class ResourceFactory:
    """``async def _init_x(*, config, deps...) -> V``: a resource's init behind its resource
    middleware chain."""

    id: str
    comment: str
    name: str
    params: tuple[Param, ...]
    config: Param
    value_type: str
    init_name: str  # the nested function calling the user's init
    init_config: str  # its parameter
    init: Callee | None  # None: the resource has no init; its value is None
    chain: Chain
    value_name: str  # local holding the chain's result, typed as the init returns


Factory: TypeAlias = TaskFactory | EventFactory | ResourceFactory


@dataclass(frozen=True, slots=True)
class Arg:
    """A parameter of a generated method: its name, type and default (None: required)."""

    name: str
    type: str
    default: Expr | None = None


@dataclass(frozen=True, slots=True)
class Overload:
    """One signature of a lookup method: positional-only arguments, then keyword-only ones."""

    positional: tuple[Arg, ...]
    keywords: tuple[Arg, ...]
    returns: str


@dataclass(frozen=True, slots=True)
class LookupMethod:
    """``App.run_task`` and its kin: typed overloads (one per group of ids sharing their
    types, then the definition-object forms), and the implementation delegating to the
    runtime's ``Lookup``."""

    name: str
    doc: str
    overloads: tuple[Overload, ...]  # fewer than two: the implementation is the only signature
    implementation: Overload
    body: Expr


@dataclass(frozen=True, slots=True)
class LookupIR:
    """What the generated ``App`` adds for lookup by id (Runner's ``runTask``...)."""

    attribute: str  # the App slot holding the runtime Lookup, once built
    lookup_class: str  # the bound name of the runtime's ``Lookup``
    value: Expr  # ``Lookup(APP_ID, self._lifecycle.is_running, tasks={...}, ...)``
    configs: Arg  # the ``__init__`` parameter receiving the resources' configs from start()
    configs_value: Expr  # what start() passes for it
    overload: str  # the bound name of ``typing.overload``
    methods: tuple[LookupMethod, ...]


# -- statements of start() ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Assign:
    """``target[: type] = value``."""

    target: str | tuple[str, ...]  # a tuple unpacks (``emit, report = ...``)
    value: Expr
    type: str | None = None


@dataclass(frozen=True, slots=True)
class Do:
    """An expression statement (``await x.start()``, ``health.add(...)``)."""

    value: Expr


@dataclass(frozen=True, slots=True)
class Declare:
    """``target: type``: a local's type, before branches assign it."""

    target: str
    type: str


@dataclass(frozen=True, slots=True)
class Branch:
    """``if condition: then`` (``else: otherwise``)."""

    condition: Expr
    then: tuple[Statement, ...]
    otherwise: tuple[Statement, ...] = ()


Statement: TypeAlias = "Assign | Do | Branch | Declare"


def referenced(statements: Iterable[Statement]) -> set[str]:
    """Every name the statements read or assign (the heads of dotted targets included)."""
    found: set[str] = set()
    for each in _nodes(statements):
        if isinstance(each, Ref):
            found.add(each.name)
        elif isinstance(each, Declare):
            found.add(each.target)
        elif isinstance(each, Assign):
            targets = each.target if isinstance(each.target, tuple) else (each.target,)
            found.update(target.split(".")[0] for target in targets)
    return found


def awaits(statements: Iterable[Statement]) -> bool:
    """Whether the statements await anything (a resource's init that can run concurrently)."""
    return any(isinstance(each, Await) for each in _nodes(statements))


def _nodes(statements: Iterable[Statement]) -> Iterator[object]:
    """Every statement and expression, nested ones included."""
    pending: list[object] = list(statements)
    while pending:
        value = pending.pop()
        yield value
        match value:
            case Attr(base, _) | Index(base, _) | Key(base, _) | IsNotNone(base) | Await(base):
                pending.append(base)
            case Contains(_, container):
                pending.append(container)
            case IfElse(then, condition, otherwise):
                pending += (then, condition, otherwise)
            case And(left, right):
                pending += (left, right)
            case Call(function, args, kwargs):
                pending += (function, *args, *(v for _, v in kwargs))
            case Tuple(items):
                pending += items
            case Dict(items):
                for key, item in items:
                    pending += (key, item)
            case Branch(condition, then, otherwise):
                pending += (condition, *then, *otherwise)
            case Assign(_, expression, _) | Do(expression):
                pending.append(expression)


@dataclass(frozen=True, slots=True)
class Block:
    """The statements that start one definition, under a provenance comment."""

    comment: str  # "<id> (<file>)": no line numbers, so moving code changes nothing
    body: tuple[Statement, ...]


# -- the module ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Chunk:
    """A part of start(): module-level, so the type checker's work on each stays small."""

    name: str
    params: tuple[Param, ...]  # the start() locals its statements use
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class Member:
    """An attribute of the generated Resources / Tasks / Events classes."""

    attr: str
    type: str
    id: str


@dataclass(frozen=True, slots=True)
class CoreNames:
    """The generated module's public API (fixed names) and start()'s own locals."""

    app_id: str
    resources_class: str
    tasks_class: str
    events_class: str
    app_class: str
    start: str
    running: str
    main: str
    config: str
    overrides: str  # start()'s keyword parameter
    overrides_class: str
    resource_overrides: str
    task_overrides: str
    event_overrides: str
    on_unhandled_error: str  # start()'s keyword parameters of the error boundary
    error_boundary: str
    replacing: str
    lifecycle: str
    push_disposer: str
    health: str
    resources: str
    tasks: str
    events: str
    store: str
    error: str
    app: str
    state: str  # start()'s _State instance, and the chunks' parameter
    state_class: str
    boundary: str  # start()'s ErrorBoundary


@dataclass(frozen=True, slots=True)
class OverridesIR:
    """The generated override types (TypedDicts, one per group) and start()'s locals for them."""

    resources: tuple[Member, ...]
    tasks: tuple[Member, ...]
    events: tuple[Member, ...]
    setup: tuple[Statement, ...]  # start()'s first statements: the groups and the clock


@dataclass(frozen=True, slots=True)
class Adapter:
    name: str
    type: str


@dataclass(frozen=True, slots=True)
class WiringModule:
    app_id: str
    spec: str
    package: str
    version: str
    core: CoreNames
    names: Mapping[str, str]  # helpers the template prints (typing names, ``_rt``), by role
    runtime_imports: tuple[str, ...]
    typing_imports: tuple[str, ...]
    adapters: tuple[Adapter, ...]
    resources: tuple[Member, ...]
    tasks: tuple[Member, ...]
    events: tuple[Member, ...]
    factories: tuple[Factory, ...]
    chunks: tuple[Chunk, ...]
    state: tuple[Member, ...]  # the _State class: what start() keeps for later definitions
    after_start: tuple[Do, ...]  # once everything is wired (event consumers start, ready)
    lifecycle_value: Expr
    overrides: OverridesIR
    store_value: Expr  # the Store, when nothing built it during start
    store_built: bool
    root_config_type: str | None
    root_config_default: Expr | None
    pushes_disposers: bool
    lookup: LookupIR | None = None  # lookup by id on the App (None: an IR built without it)
    # The _State attribute naming the resource whose init runs (sequential parts of start()).
    initializing: str | None = None
    # init_mode = "parallel": each concurrently started resource's own function (a wave of
    # start() calls them together through the runtime's init_wave).
    parallel_inits: tuple[Chunk, ...] = ()


# -- exposure.py and client.py -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Exposed:
    """One exposed task or event, as exposure.py and client.py present it."""

    kind: Literal["task", "event"]
    id: str
    attr: str  # the exposure factory's keyword (the wiring's attribute)
    method: str  # the client's method
    input_type: str | None
    output_type: str | None
    input_adapter: str | None
    output_adapter: str | None


@dataclass(frozen=True, slots=True)
class ExposureApp:
    attr: str
    factory: str
    items: tuple[Exposed, ...]
    client_prefix: str


@dataclass(frozen=True, slots=True)
class RemoteModule:
    imports: tuple[str, ...]
    adapters: tuple[Adapter, ...]
    exposures: tuple[ExposureApp, ...]
    errors: tuple[tuple[str, Expr], ...]  # (error id, its from_remote factory)
    names: Mapping[str, str]  # what the template prints, by role -> the allocated name


@dataclass(frozen=True, slots=True)
class ClientPackage:
    """A standalone client package: its client module (over ``TYPES_MODULE``'s copies), the
    source of its ``types.py``, the clients ``__init__`` exports, and its requirements."""

    package: str
    app_id: str
    client: RemoteModule
    types_source: str
    exports: tuple[str, ...]
    dependencies: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AppIR:
    wiring: WiringModule
    exposure: RemoteModule | None
    client: RemoteModule | None
    warnings: tuple[str, ...] = ()
    provenance: tuple[tuple[str, str, str], ...] = ()  # (generated name, definition id, source)
