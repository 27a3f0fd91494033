"""Lower HTTP exposures: the statements serving one from start(), and the IR of exposure.py (the
ASGI route table) and client.py (typed clients), each a module with its own names."""

from __future__ import annotations

from types import MappingProxyType

from runner_gen.generator.builtin_ids import METRICS_ID
from runner_gen.generator.ir import (
    Adapter,
    Assign,
    Attr,
    Await,
    Call,
    Const,
    Do,
    Exposed,
    ExposureApp,
    Expr,
    Ref,
    RemoteModule,
    Tuple,
    call,
)
from runner_gen.generator.lowering import Lowering, adapter_name, reserve_attributes
from runner_gen.generator.model import AppModel, Node
from runner_gen.generator.naming import Imports, Names


def lower_exposure(low: Lowering, node: Node) -> list[Assign | Do]:
    attr = low.attrs[node.id]
    exposure = low.model.routing.exposures[node.id]
    config_type = low.runtime("runner_gen.definitions.remote", "HttpExposureConfig")
    # Decided at build time from the registered config: a mounted exposure binds no port.
    attachment = node.registration.attachment
    mounted = attachment is not None and bool(getattr(attachment.config, "mount", False))
    value_type = "MountedExposure" if mounted else "RunningExposure"
    low.member_types[node.id] = low.runtime("runner_gen.runtime.exposure", value_type)
    config_local = low.local(f"cfg_{attr}")
    app_local = low.local(f"app_{attr}")
    local = low.local(f"res_{attr}")
    low.values[node.id] = Ref(local)
    errors = Tuple(tuple(Attr(low.values[e], "error_class") for e in low.model.error_ids))
    metrics_text: Expr = Const(None)
    if low.model.has(METRICS_ID):
        render = low.runtime("runner_gen.runtime.metrics", "render_prometheus")
        metrics_text = call(low.partial(), Ref(render), low.values[METRICS_ID])
    probes = call(
        low.runtime("runner_gen.runtime.exposure.probes", "Probes"),
        Ref(low.core.health),
        metrics_text,
    )
    module = low.imports.module(f"{low.package}.exposure")
    served = {low.attrs[i]: low.values[i] for i in (*exposure.task_ids, *exposure.event_ids)}
    assert node.config is not None  # an exposure always has a config (its schema's defaults)
    runtime_config = call(Attr(Ref(config_local), "runtime_config"), errors)
    app = Call(
        Attr(Ref(module), f"create_{attr}_app"), (runtime_config, probes), tuple(served.items())
    )
    if mounted:
        value: Expr = call(Ref(low.member_types[node.id]), Ref(app_local))
    else:
        serve = low.runtime("runner_gen.runtime.exposure", "serve_exposure")
        value = Await(call(serve, Ref(app_local), Attr(Ref(app_local), "config")))
    return [
        Assign(config_local, low.config(node.config), config_type),
        Assign(app_local, app),
        Assign(local, value, None, low.on_resources(attr)),
        low.push_disposer(node.id, Attr(Ref(local), "stop"), ()),
    ]


def lower_remote_module(
    model: AppModel, attrs: dict[str, str], *, client: bool
) -> RemoteModule | None:
    """exposure.py (``client=False``) or client.py: both need their types at run time (pydantic
    ``TypeAdapter``s validate and dump values at the HTTP boundary)."""
    if not model.routing.exposures:
        return None
    names = Names()
    fixed: dict[str, str] = {}
    exposures = sorted(model.routing.exposures.values(), key=lambda e: e.id)
    for exposure in exposures:
        attr = attrs[exposure.id]
        if client:
            prefix = "" if len(exposures) == 1 else attr.title().replace("_", "")
            fixed[f"async:{exposure.id}"] = names.fixed(f"{prefix}AsyncClient")
            fixed[f"sync:{exposure.id}"] = names.fixed(f"{prefix}SyncClient")
        else:
            fixed[exposure.id] = names.fixed(f"create_{attr}_app")
    reserve_attributes(names, attrs)
    imports = Imports(names)
    bound = {"errors": names.new("_ERRORS"), "config": names.new("config")}
    # Parameter names users see (``client.charge(input=...)``): builtins may be shadowed there.
    bound |= {role: names.parameter(role) for role in ("probes", "input", "payload")}
    adapters: dict[str, str] = {}

    def adapter(text: str) -> str:
        name = adapters.get(text)
        if name is None:
            name = names.new(adapter_name(text), in_annotations=True)
            adapters[text] = name
        return name

    apps = []
    for exposure in exposures:
        items: list[Exposed] = []
        for task_id in exposure.task_ids:
            task = model.nodes[task_id]
            input_type = None
            if task.input_type is not None:
                input_type = imports.annotation(task.input_type, typing_only=False)
            output_type = imports.annotation(task.result_type, typing_only=False)
            items.append(
                Exposed(
                    "task", task_id, attrs[task_id], _method(attrs[task_id]), input_type,
                    output_type,
                    None if input_type is None else adapter(input_type),
                    None if output_type == "None" else adapter(output_type),
                )
            )  # fmt: skip
        for event_id in exposure.event_ids:
            payload = imports.annotation(model.nodes[event_id].payload_type, typing_only=False)
            items.append(
                Exposed(
                    "event", event_id, attrs[event_id], f"emit_{attrs[event_id]}", payload, None,
                    None if payload == "None" else adapter(payload), None,
                )
            )  # fmt: skip
        if client:
            prefix = fixed[f"async:{exposure.id}"].removesuffix("AsyncClient")
            apps.append(ExposureApp(attrs[exposure.id], "", tuple(items), prefix))
        else:
            apps.append(ExposureApp(attrs[exposure.id], fixed[exposure.id], tuple(items), ""))
    errors: list[tuple[str, Expr]] = []
    if client:
        for error_id in model.error_ids:
            locator = model.nodes[error_id].locator
            if locator.path:
                continue  # reachable only through a tuple mypy cannot type; skip it
            alias = imports.module(locator.module)
            errors.append((error_id, Attr(Attr(Ref(alias), locator.attr), "from_remote")))
    items = [item for app in apps for item in app.items]
    wanted = dict(_CLIENT_NAMES if client else _EXPOSURE_NAMES)
    if not adapters:
        wanted.pop("type_adapter")
        if not client:
            wanted.pop("final")
    if client or not items:
        wanted.pop("callable", None)
        wanted.pop("awaitable", None)
    if not client:
        if not any(item.kind == "task" for item in items):
            wanted.pop("task_route")
        if not any(item.kind == "event" for item in items):
            wanted.pop("event_route")
    for role, (module, name) in wanted.items():
        bound[role] = imports.name(module, name)
    if client:
        bound["httpx"] = imports.module("httpx", "httpx")
    return RemoteModule(
        imports=tuple(imports.statements(typing_only=False)),
        adapters=tuple(Adapter(name, text) for text, name in adapters.items()),
        exposures=tuple(apps),
        errors=tuple(errors),
        names=MappingProxyType(bound),
    )


_CLIENT_METHODS = frozenset({"discovery", "aclose", "close"})
_COMMON = {
    "awaitable": ("collections.abc", "Awaitable"),
    "callable": ("collections.abc", "Callable"),
    "final": ("typing", "Final"),
    "type_adapter": ("pydantic", "TypeAdapter"),
}
_EXPOSURE_NAMES = {
    **_COMMON,
    "exposure_app": ("runner_gen.runtime.exposure", "ExposureApp"),
    "exposure_config": ("runner_gen.runtime.exposure", "ExposureConfig"),
    "task_route": ("runner_gen.runtime.exposure", "TaskRoute"),
    "event_route": ("runner_gen.runtime.exposure", "EventRoute"),
    "probes_class": ("runner_gen.runtime.exposure.probes", "Probes"),
}
_CLIENT_NAMES = {
    **_COMMON,
    "traceback_type": ("types", "TracebackType"),
    "self_type": ("typing", "Self"),
    "async_transport": ("runner_gen.runtime.client", "AsyncTransport"),
    "sync_transport": ("runner_gen.runtime.client", "SyncTransport"),
    "discovery_result": ("runner_gen.runtime.client", "DiscoveryResult"),
    "error_factories": ("runner_gen.runtime.client", "ErrorFactories"),
}


def _method(attr: str) -> str:
    """A client method name for a task: never one of the client's own methods."""
    return f"{attr}_" if attr in _CLIENT_METHODS else attr
