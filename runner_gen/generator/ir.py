"""The frozen plan the templates render: every decision is made before rendering.

Templates only present: each step of ``start()`` is one of these records, already in init
order, with local names chosen and types written as the user wrote them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True, slots=True)
class Kwarg:
    name: str
    value: str  # a Python expression: a local name, or "None" for an absent optional


@dataclass(frozen=True, slots=True)
class Call:
    """A call of a user function: ``[await ]fn(positional..., name=value...)``."""

    function: str  # local name the function is imported as
    is_async: bool
    positional: tuple[str, ...] = ()
    keywords: tuple[Kwarg, ...] = ()

    def expression(self) -> str:
        args = [*self.positional, *(f"{k.name}={k.value}" for k in self.keywords)]
        return f"{self.function}({', '.join(args)})"


@dataclass(frozen=True, slots=True)
class Layer:
    """One middleware layer of a chain, innermost last in ``Chain.layers``' reverse."""

    kind: Literal["builtin", "custom"]
    middleware_var: str  # builtin: the per-app instance; custom: unused
    config: str  # expression of the attachment's config
    custom: Call | None = None  # custom: the user's middleware call, first positional is `call`
    config_var: str | None = None  # custom: local name the config is bound to before the lambda


@dataclass(frozen=True, slots=True)
class TagUseIR:
    id: str
    config: str  # expression


@dataclass(frozen=True, slots=True)
class InfoIR:
    var: str
    id: str
    kind: Literal["task", "resource"]
    tags: tuple[TagUseIR, ...]
    source: str


@dataclass(frozen=True, slots=True)
class ResourceStep:
    kind: Literal["resource"]
    id: str
    source: str
    attr: str
    var: str
    value_type: str
    config_var: str | None
    config_type: str | None
    config_expr: str | None
    context_var: str | None
    context_factory: str | None
    init: Call | None
    dispose: Call | None
    layers: tuple[Layer, ...] = ()
    info: InfoIR | None = None
    is_root: bool = False
    chained_init: Call | None = None  # init as called inside a middleware chain (config param)
    health: Call | None = None  # the resource's health check, first positional is the value
    value_expr: str | None = None  # a value the generator supplies instead of an init


@dataclass(frozen=True, slots=True)
class RemoteIR:
    """A task or event routed through a client tunnel resource."""

    helper: str  # local name of remote_task / remote_event
    transport: str  # the tunnel resource's variable
    encode: str | None  # expression of a TypeAdapter's dump_python, or None
    decode: str | None  # tasks: the result decoder; consumed events: the payload decoder
    delivery: str = "mirror"  # events only
    errors: str = "None"  # tasks only: dict expression mapping remote error ids to factories


@dataclass(frozen=True, slots=True)
class TaskStep:
    kind: Literal["task"]
    id: str
    source: str
    attr: str
    var: str
    input_type: str | None  # None: the task takes no input
    output_type: str
    run: Call | None
    layers: tuple[Layer, ...] = ()
    info: InfoIR | None = None
    remote: RemoteIR | None = None


@dataclass(frozen=True, slots=True)
class HookCall:
    id: str
    source: str
    order: int
    call: Call  # first positional is the emission variable


@dataclass(frozen=True, slots=True)
class EventStep:
    kind: Literal["event"]
    id: str
    source: str
    attr: str
    var: str
    payload_type: str
    hooks: tuple[HookCall, ...]
    remote: RemoteIR | None = None
    consumed: bool = False  # the tunnel delivers this event from other processes to our hooks


@dataclass(frozen=True, slots=True)
class MiddlewareStep:
    """A per-app middleware instance (built-in) or a custom middleware's private context."""

    kind: Literal["middleware"]
    id: str
    source: str
    var: str
    construct: str  # expression creating the instance / context
    disposable: bool


@dataclass(frozen=True, slots=True)
class TaggedIR:
    id: str
    config: str
    value: str  # task var (run) or resource var (value)
    takes_input: bool = True


@dataclass(frozen=True, slots=True)
class TagStep:
    kind: Literal["tag"]
    id: str
    source: str
    var: str
    config_type: str
    tasks: tuple[TaggedIR, ...]
    resources: tuple[TaggedIR, ...]


@dataclass(frozen=True, slots=True)
class ValueStep:
    """A dependency value that needs no init: an async context or error definition."""

    kind: Literal["value"]
    id: str
    source: str
    var: str
    expression: str


@dataclass(frozen=True, slots=True)
class StoreStep:
    kind: Literal["store"]
    id: str
    source: str
    var: str
    tags: tuple[tuple[str, str], ...]  # (tag id, tag var)


@dataclass(frozen=True, slots=True)
class ExposedIR:
    """One exposed task or event, as exposure.py and client.py present it."""

    kind: Literal["task", "event"]
    id: str
    attr: str
    var: str  # in wiring: the task or emitter variable
    input_type: str | None  # rendered for the module it appears in
    output_type: str | None
    input_adapter: str | None  # module-level TypeAdapter constant name
    output_adapter: str | None


@dataclass(frozen=True, slots=True)
class ExposureStep:
    kind: Literal["exposure"]
    id: str
    source: str
    attr: str
    var: str
    config_var: str
    config_expr: str
    factory: str  # exposure.py function building the ASGI app
    arguments: tuple[Kwarg, ...]  # exposed attr -> wiring variable
    public_errors: str  # tuple expression of the app's typed error classes
    value_type: str  # local name of RunningExposure
    config_type: str  # local name of HttpExposureConfig
    serve: str  # local name of serve_exposure
    probes: str  # expression building the /health, /ready and /metrics probes


@dataclass(frozen=True, slots=True)
class RemoteModule:
    """exposure.py or client.py: its own imports and adapters."""

    imports: tuple[str, ...]
    adapters: tuple[tuple[str, str], ...]  # (constant name, type expression)
    exposures: tuple[tuple[str, str, tuple[ExposedIR, ...]], ...]  # (attr, factory, items)
    errors: tuple[tuple[str, str], ...] = ()  # (error id, expression of its definition)


Step = (
    ResourceStep | TaskStep | EventStep | MiddlewareStep | TagStep | ValueStep | StoreStep
    | ExposureStep
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class AppPlan:
    app_id: str
    spec: str
    package: str
    version: str
    root_config_type: str | None
    root_config_default: str | None  # expression when the root was registered with a config
    steps: tuple[Step, ...]
    type_imports: tuple[str, ...]  # statements under TYPE_CHECKING
    runtime_imports: tuple[str, ...]  # statements needed at run time
    store_var: str
    all_tag_vars: tuple[tuple[str, str], ...]
    resources: tuple[ResourceStep | ExposureStep, ...] = field(default=())
    tasks: tuple[TaskStep, ...] = field(default=())
    events: tuple[EventStep, ...] = field(default=())
    exposure_module: RemoteModule | None = None
    client_module: RemoteModule | None = None
    warnings: tuple[str, ...] = ()
    wiring_adapters: tuple[tuple[str, str], ...] = ()  # (constant, type expression)
    consumers: tuple[str, ...] = ()  # tunnel variables to start once everything is wired
