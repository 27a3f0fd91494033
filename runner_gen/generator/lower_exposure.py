"""Lower HTTP exposures: the statements serving one from start(), and the IR of exposure.py (the
ASGI route table), a module with its own names. Typed clients: ``lower_client``."""

from __future__ import annotations

from types import MappingProxyType

from runner_gen.generator.builtin_ids import LOGGER_ID, METRICS_ID
from runner_gen.generator.ir import (
    Adapter,
    Assign,
    Attr,
    Await,
    Call,
    Const,
    Exposed,
    ExposureApp,
    Expr,
    Ref,
    RemoteModule,
    Statement,
    Tuple,
    call,
)
from runner_gen.generator.lowering import Lowering, adapter_name, reserve_attributes
from runner_gen.generator.model import AppModel, Node
from runner_gen.generator.naming import Imports, Names


def lower_exposure(low: Lowering, node: Node) -> list[Statement]:
    attr = low.attrs[node.id]
    exposure = low.model.routing.exposures[node.id]
    config_type = low.runtime("runner_gen.definitions.remote", "HttpExposureConfig")
    # Decided at build time from the registered config: a mounted exposure binds no port.
    attachment = node.registration.attachment
    mounted = attachment is not None and bool(getattr(attachment.config, "mount", False))
    value_type = "MountedExposure" if mounted else "RunningExposure"
    low.member_types[node.id] = low.runtime("runner_gen.runtime.exposure", value_type)
    app_type = low.runtime("runner_gen.runtime.exposure", "ExposureApp")
    config_local, config_value = low.slot(f"cfg_{attr}", config_type)
    app_local, app_value = low.slot(f"app_{attr}", app_type)
    local, value = low.member(low.core.resources, attr)
    low.values[node.id] = value
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
    module = low.imports.sibling("exposure")
    served = {low.attrs[i]: low.values[i] for i in exposure.task_ids}
    for event_id in exposure.event_ids:  # an HTTP emission's source is the exposure
        served[low.attrs[event_id]] = call(
            low.rt("bind_emitter"), *low.emitters[event_id], Const(node.id)
        )
    assert node.config is not None  # an exposure always has a config (its schema's defaults)
    runtime_config = call(Attr(config_value, "runtime_config"), errors)
    app = Call(
        Attr(Ref(module), f"create_{attr}_app"), (runtime_config, probes), tuple(served.items())
    )
    served_value: Expr
    if mounted:
        served_value = call(Ref(low.member_types[node.id]), app_value)
    else:
        serve = low.runtime("runner_gen.runtime.exposure", "serve_exposure")
        logger = {"logger": low.values[LOGGER_ID]} if LOGGER_ID in low.values else {}
        served_value = Await(call(serve, app_value, Attr(app_value, "config"), **logger))
    return [
        Assign(config_local, low.config(node.config)),
        Assign(app_local, app),
        Assign(local, served_value),
        low.push_disposer(node.id, Attr(value, "stop"), ()),
    ]


def lower_remote_module(model: AppModel, attrs: dict[str, str]) -> RemoteModule | None:
    """exposure.py: its types are needed at run time (pydantic ``TypeAdapter``s validate and
    dump values at the HTTP boundary)."""
    if not model.routing.exposures:
        return None
    names = Names()
    fixed: dict[str, str] = {}
    exposures = sorted(model.routing.exposures.values(), key=lambda e: e.id)
    for exposure in exposures:
        fixed[exposure.id] = names.fixed(f"create_{attrs[exposure.id]}_app")
    reserve_attributes(names, attrs)
    imports = Imports(names)
    # ``config`` and ``probes`` sit beside the served tasks' keywords (their attribute names)
    # in each ``create_*_app``: they avoid those names (``in_annotations`` checks attributes).
    bound = {"errors": names.new("_ERRORS"), "config": names.new("config", in_annotations=True)}
    served = set(attrs.values())
    bound["probes"] = (
        names.new("probes", in_annotations=True)
        if "probes" in served
        else names.parameter("probes")
    )
    # Parameter names users see (``client.charge(input=...)``): builtins may be shadowed there.
    bound |= {role: names.parameter(role) for role in ("input", "payload")}
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
                    "task", task_id, attrs[task_id], attrs[task_id], input_type,
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
        apps.append(ExposureApp(attrs[exposure.id], fixed[exposure.id], tuple(items), ""))
    items = [item for app in apps for item in app.items]
    wanted = dict(_EXPOSURE_NAMES)
    if not adapters:
        wanted.pop("type_adapter")
        wanted.pop("final")
    if not items:
        wanted.pop("callable")
        wanted.pop("awaitable")
    if not any(item.kind == "task" for item in items):
        wanted.pop("task_route")
    if not any(item.kind == "event" for item in items):
        wanted.pop("event_route")
        wanted.pop("returning_payload")
    for role, (module, name) in wanted.items():
        bound[role] = imports.name(module, name)
    return RemoteModule(
        imports=tuple(imports.statements(typing_only=False)),
        adapters=tuple(Adapter(name, text) for text, name in adapters.items()),
        exposures=tuple(apps),
        errors=(),
        names=MappingProxyType(bound),
    )


_EXPOSURE_NAMES = {
    "awaitable": ("collections.abc", "Awaitable"),
    "callable": ("collections.abc", "Callable"),
    "final": ("typing", "Final"),
    "type_adapter": ("pydantic", "TypeAdapter"),
    "exposure_app": ("runner_gen.runtime.exposure", "ExposureApp"),
    "exposure_config": ("runner_gen.runtime.exposure", "ExposureConfig"),
    "task_route": ("runner_gen.runtime.exposure", "TaskRoute"),
    "event_route": ("runner_gen.runtime.exposure", "EventRoute"),
    "returning_payload": ("runner_gen.runtime.emitting", "returning_payload"),
    "probes_class": ("runner_gen.runtime.exposure.probes", "Probes"),
}
