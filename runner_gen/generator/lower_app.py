"""Lower an app model into the IR of its generated package: wiring, exposure and client."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from runner_gen._version import __version__
from runner_gen.generator.builtin_ids import READY_EVENT_ID, STORE_ID
from runner_gen.generator.ir import (
    Adapter,
    AppIR,
    Attr,
    Await,
    Block,
    Call,
    Chunk,
    Const,
    Dict,
    Do,
    Expr,
    Member,
    Ref,
    WiringModule,
    call,
)
from runner_gen.generator.lower_builtins import lower_node, store_value
from runner_gen.generator.lower_client import lower_client
from runner_gen.generator.lower_exposure import lower_remote_module
from runner_gen.generator.lower_lookup import lower_lookup
from runner_gen.generator.lower_overrides import overrides_ir
from runner_gen.generator.lower_waves import InitMarker, function_of, in_waves
from runner_gen.generator.lowering import Lowering
from runner_gen.generator.model import AppModel, Node

if TYPE_CHECKING:
    from runner_gen.generator.config import InitMode


def lower_app(model: AppModel, package: str, *, init_mode: InitMode = "sequential") -> AppIR:
    low = Lowering(model, package)
    started: list[tuple[Node, Block]] = []
    for node_id in model.order:
        node = model.nodes[node_id]
        statements = lower_node(low, node)
        if statements:
            started.append((node, Block(low.comment(node), tuple(statements))))
    initializing = InitMarker(low)
    parallel_inits: tuple[Chunk, ...] = ()
    if init_mode == "parallel":
        low.blocks, parallel_inits = in_waves(low, started, initializing, _candidates(low))
    else:
        low.blocks = [initializing.around(node, block) for node, block in started]
    chunks = _chunks(low)
    # Consume remote events once every hook is wired.
    after_start = [
        Do(Await(Call(Attr(low.values[tunnel], "start"))))
        for tunnel in sorted(model.routing.consuming)
    ]
    ready = model.nodes.get(READY_EVENT_ID)
    if ready is not None and ready.hooks:
        # Runner emits ready once everything started, fail-fast: a failing hook fails the start.
        emit, _ = low.emitters[READY_EVENT_ID]
        ready_call = Call(emit, (Const(None),), (("source", low.rt("READY_SOURCE")),))
        after_start.append(Do(Await(ready_call)))
    root = model.nodes[model.root_id]
    root_config_type = None
    root_config_default: Expr | None = None
    if root.definition.config_schema is not None:
        root_config_type = low.config_type(root)
        if model.root_has_config:
            root_config_default = Attr(low.locator(root.locator), "config")
    lookup = lower_lookup(low, root_config_type)
    store_built = STORE_ID in low.values
    store = low.values[STORE_ID] if store_built else store_value(low)
    lifecycle = _lifecycle(low)
    overrides = overrides_ir(low.overrides, low.core.overrides, low.core.replacing, low.rt)
    for role in ("final", "rt", "async_iterator", "asynccontextmanager", "typed_dict"):
        low.helper(role)
    low.helper("partial")  # main() starts with partial(start, ..., on_unhandled_error=...)
    if low.adapters:
        low.helper("type_adapter")
    typing_imports = tuple(low.imports.statements(typing_only=True))
    if typing_imports:
        low.helper("type_checking")
    wiring = WiringModule(
        app_id=model.root_id,
        spec=model.spec,
        package=package,
        version=__version__,
        core=low.core,
        names=MappingProxyType(dict(low.used)),
        runtime_imports=tuple(low.imports.statements(typing_only=False)),
        typing_imports=typing_imports,
        adapters=tuple(Adapter(name, text) for text, name in low.adapters.items()),
        resources=_members(low, "resource"),
        tasks=_members(low, "task"),
        events=_members(low, "event"),
        factories=tuple(low.factories),
        chunks=chunks,
        state=tuple(low.state_members),
        after_start=tuple(after_start),
        lifecycle_value=lifecycle,
        overrides=overrides,
        store_value=store,
        store_built=store_built,
        root_config_type=root_config_type,
        root_config_default=root_config_default,
        pushes_disposers=low.pushes_disposers,
        lookup=lookup,
        initializing=initializing.attribute,
        parallel_inits=parallel_inits,
    )
    return AppIR(
        wiring=wiring,
        exposure=lower_remote_module(model, low.attrs),
        client=lower_client(model, low.attrs),
        warnings=model.warnings,
        provenance=tuple(low.provenance),
    )


def _lifecycle(low: Lowering) -> Expr:
    """``Lifecycle(APP_ID, dispose_timeouts={...})``: each resource's own dispose timeout, and an
    exposure's drain budget plus time to close (the 10 s default would cut its drain short)."""
    timeouts: list[tuple[Expr, Expr]] = []
    for node_id in low.model.order:
        node = low.model.nodes[node_id]
        seconds = getattr(node.definition, "dispose_timeout", None)
        if seconds is None and node_id in low.model.routing.exposures:
            config = getattr(node.registration.attachment, "config", None)
            budget = getattr(config, "drain_budget", None)
            if budget is not None:
                seconds = float(budget) + EXPOSURE_CLOSE_SECONDS
        if seconds is not None:
            timeouts.append((Const(node_id), Const(float(seconds))))
    arguments: dict[str, Expr] = {"dispose_timeouts": Dict(tuple(timeouts))} if timeouts else {}
    return call(low.rt("Lifecycle"), Ref(low.core.app_id), **arguments)


#: What an exposure needs beyond its drain budget to close its server.
EXPOSURE_CLOSE_SECONDS = 5.0


#: Definitions started by one chunk of start(): small enough that the type checker's work per
#: function stays bounded (one function of thousands of statements made mypy quadratic).
CHUNK_SIZE = 40


def _chunks(low: Lowering) -> tuple[Chunk, ...]:
    """start()'s blocks in module-level functions of ``CHUNK_SIZE`` blocks, each taking the
    start() locals it uses (its values live on the shared ``_State``)."""
    candidates = _candidates(low)
    chunks: list[Chunk] = []
    blocks = low.blocks
    for start in range(0, len(blocks), CHUNK_SIZE):
        part = tuple(blocks[start : start + CHUNK_SIZE])
        chunks.append(function_of(low.local(f"_start_{len(chunks) + 1}"), part, candidates))
    return tuple(chunks)


def _candidates(low: Lowering) -> dict[str, str]:
    """start()'s locals a part of it may use, with their types."""
    core = low.core
    root = low.model.nodes[low.model.root_id]
    root_type = low.config_type(root) if root.definition.config_schema is not None else None
    candidates: dict[str, str] = {
        core.state: core.state_class,
        core.push_disposer: low.rt_type("PushDisposer"),
        core.health: low.rt_type("HealthChecks"),
        core.resources: core.resources_class,
        core.tasks: core.tasks_class,
        core.events: core.events_class,
        core.replacing: "bool",
        core.boundary: low.rt_type("ErrorBoundary"),
    }
    if root_type is not None:
        candidates[core.config] = root_type
    for group, local in low.overrides.locals.items():
        if group == "clock":
            candidates[local] = low.rt_type("Clock")
        else:
            candidates[local] = f"{low.helper('mapping')}[str, {low.helper('any')}]"
    return candidates


def _members(low: Lowering, kind: str) -> tuple[Member, ...]:
    """Resources, tasks or events in init order, as attributes of their generated class."""
    return tuple(
        Member(low.attrs[node_id], low.member_types[node_id], node_id)
        for node_id in low.model.order
        if low.model.nodes[node_id].kind == kind
        and node_id in low.member_types
        and node_id != STORE_ID
    )
