"""Lower the typed clients of an app's HTTP exposures, in their two forms.

``client.py`` in the app's generated package speaks the server's own value types: the server's
tests and in-repo callers get the very classes the tasks return. The standalone client package
speaks copies of them, lifted into its own ``types.py`` (``client_types.lift_types``: every
exposed task's input and result, event payloads, typed errors and what they reference), so a
consumer installs it without the server's code; the wire format is the contract between them.
Both forms share this lowering and the template body; each module has its own naming authority.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from types import MappingProxyType
from typing import Protocol

from runner_gen._version import __version__
from runner_gen.generator.annotations import Annotation, TypeImport
from runner_gen.generator.client_annotations import local_target, rewrite_names
from runner_gen.generator.client_types import Global, LiftedTypes, lift_types, local_modules
from runner_gen.generator.ir import (
    Adapter,
    Attr,
    ClientPackage,
    Exposed,
    ExposureApp,
    Expr,
    Ref,
    RemoteModule,
)
from runner_gen.generator.lowering import Lowering, adapter_name, reserve_attributes
from runner_gen.generator.model import AppModel, Node
from runner_gen.generator.naming import Imports, Names
from runner_gen.generator.problems import BuildError, Problem

#: Where the client module of a standalone package finds its copied types.
TYPES_MODULE = ".types"


class TypeSource(Protocol):
    """Where a client module's value types and typed errors come from."""

    def annotation(self, annotation: Annotation, imports: Imports) -> str:
        """The annotation's text in the client module, its names bound in ``imports``."""

    def error_factory(self, node: Node, imports: Imports) -> Expr | None:
        """The ``from_remote`` of a typed error, or None when the client cannot name it."""


class ServerTypes:
    """The server's own classes, imported from where its definitions define them."""

    def annotation(self, annotation: Annotation, imports: Imports) -> str:
        return imports.annotation(annotation, typing_only=False)

    def error_factory(self, node: Node, imports: Imports) -> Expr | None:
        locator = node.locator
        if locator.path:
            return None  # reachable only through a tuple mypy cannot type; skip it
        return Attr(Attr(Ref(imports.module(locator.module)), locator.attr), "from_remote")


def lower_client(model: AppModel, attrs: Mapping[str, str]) -> RemoteModule | None:
    """client.py of the app's generated package (None: the app exposes nothing over HTTP)."""
    if not model.routing.exposures:
        return None
    return _lower(model, attrs, ServerTypes())


def lower_client_package(model: AppModel, package: str) -> ClientPackage:
    """The standalone client package ``package``: its client module over copied types."""
    root = model.nodes[model.root_id]
    if not model.routing.exposures:
        raise BuildError(
            [
                Problem(
                    "client_without_exposure",
                    f'the app "{model.root_id}" has a client package ({package}) but exposes '
                    "nothing over HTTP",
                    root.source,
                    "Register an http_exposure in the app, or remove its client option.",
                )
            ]
        )
    is_local = local_modules(model.project_root)
    globals_ = _type_roots(model, is_local)
    docstring = (
        f"Value types of the app {json.dumps(model.root_id)}'s HTTP API, copied from its "
        "definitions."
        "\n\nThe server keeps its own classes; these validate and serialize the same JSON."
    )
    try:
        lifted = lift_types(globals_, project_root=model.project_root, docstring=docstring)
    except BuildError as error:
        raise BuildError(
            [replace(p, message=f"client package {package}: {p.message}") for p in error.problems]
        ) from None
    copied = CopiedTypes(lifted, is_local)
    attrs = Lowering(model, package).attrs  # the same method names as the in-package client
    module = _lower(model, attrs, copied)
    exports = tuple(
        module.names[f"{flavour}:{exposure.id}"]
        for exposure in sorted(model.routing.exposures.values(), key=lambda e: e.id)
        for flavour in ("async", "sync")
    )
    return ClientPackage(
        package=package,
        app_id=model.root_id,
        client=module,
        types_source=lifted.source,
        exports=exports,
        dependencies=requirements(lifted.imports | copied.imported_modules),
    )


class CopiedTypes:
    """The package's own copies: local names become the copies in ``types.py``; names from
    installed packages (pydantic, datetime, runner_gen ...) stay imports of those packages."""

    def __init__(self, lifted: LiftedTypes, is_local: Callable[[str], bool]) -> None:
        self.lifted = lifted
        self.is_local = is_local
        self.imported_modules: set[str] = set()

    def annotation(self, annotation: Annotation, imports: Imports) -> str:
        def retarget(imported: TypeImport, parts: list[str]) -> str:
            target = local_target(imported, parts, self.is_local)
            if target is None:
                self.imported_modules.add(imported.module)
                bound = imports.annotation(
                    Annotation(imported.local, (imported,)), typing_only=False
                )
                return ".".join([bound, *parts[1:]])
            module, name, rest = target
            copy = self.lifted.names.get((module, name))
            if copy is not None:
                local = imports.type_name(TYPES_MODULE, copy)
            else:
                installed_module, installed_name = self.lifted.installed[(module, name)]
                self.imported_modules.add(installed_module)
                local = imports.type_name(installed_module, installed_name)
            return ".".join([local, *rest])

        return rewrite_names(annotation, retarget)

    def error_factory(self, node: Node, imports: Imports) -> Expr | None:
        locator = node.locator
        if locator.path:
            return None
        key = (locator.module, locator.attr)
        copy = self.lifted.names.get(key)
        if copy is not None:
            return Attr(Ref(imports.name(TYPES_MODULE, copy)), "from_remote")
        # A definition of an installed package (the server's module only imports it): the
        # client imports it from there too, never from the server's module.
        module, name = self.lifted.installed.get(key, key)
        self.imported_modules.add(module)
        return Attr(Ref(imports.name(module, name)), "from_remote")


def _type_roots(model: AppModel, is_local: Callable[[str], bool]) -> list[Global]:
    """What the client package copies: every local name the exposed tasks' and events' types
    mention, and every typed error definition of the project."""
    roots: dict[Global, None] = {}

    def collect(imported: TypeImport, parts: list[str]) -> str:
        target = local_target(imported, parts, is_local)
        if target is not None:
            roots[Global(target[0], target[1])] = None
        return ".".join(parts)

    for annotation in _exposed_annotations(model):
        rewrite_names(annotation, collect)
    for error_id in model.error_ids:
        locator = model.nodes[error_id].locator
        if not locator.path and is_local(locator.module):
            roots[Global(locator.module, locator.attr)] = None
    return list(roots)


def _exposed_annotations(model: AppModel) -> Iterable[Annotation]:
    for exposure in sorted(model.routing.exposures.values(), key=lambda e: e.id):
        for task_id in exposure.task_ids:
            task = model.nodes[task_id]
            if task.input_type is not None:
                yield task.input_type
            yield task.result_type
        for event_id in exposure.event_ids:
            yield model.nodes[event_id].payload_type


def requirements(modules: Iterable[str]) -> tuple[str, ...]:
    """The client package's requirements: the runtime (with httpx) of this generator's version,
    pydantic, and the distributions of any other installed package its modules import. Bare
    names: the output must not depend on which versions this machine happens to have."""
    pydantic = next(
        (r.split(";")[0].strip() for r in _runtime_requires() if r.startswith("pydantic")),
        "pydantic>=2",
    )
    extra: set[str] = set()
    distributions = packages_distributions()
    for module in modules:
        top = module.lstrip(".").split(".")[0]
        if not top or top in sys.stdlib_module_names or top in _PROVIDED:
            continue
        extra.update(distributions.get(top, [top]))
    return (f"runner-gen-runtime[serve]=={__version__}", pydantic, *sorted(extra))


_PROVIDED = frozenset({"runner_gen", "pydantic", "pydantic_core", "httpx", "typing_extensions"})


def _runtime_requires() -> list[str]:
    try:
        return requires("runner-gen-runtime") or []
    except PackageNotFoundError:  # pragma: no cover - the generator is installed with it
        return []


def _lower(model: AppModel, attrs: Mapping[str, str], types: TypeSource) -> RemoteModule:
    names = Names()
    fixed: dict[str, str] = {}
    exposures = sorted(model.routing.exposures.values(), key=lambda e: e.id)
    for exposure in exposures:
        prefix = "" if len(exposures) == 1 else attrs[exposure.id].title().replace("_", "")
        fixed[f"async:{exposure.id}"] = names.fixed(f"{prefix}AsyncClient")
        fixed[f"sync:{exposure.id}"] = names.fixed(f"{prefix}SyncClient")
    reserve_attributes(names, dict(attrs))
    imports = Imports(names)
    bound = dict(fixed) | {"errors": names.new("_ERRORS")}
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
                input_type = types.annotation(task.input_type, imports)
            output_type = types.annotation(task.result_type, imports)
            items.append(
                Exposed(
                    "task", task_id, attrs[task_id], _method(attrs[task_id]), input_type,
                    output_type,
                    None if input_type is None else adapter(input_type),
                    None if output_type == "None" else adapter(output_type),
                )
            )  # fmt: skip
        for event_id in exposure.event_ids:
            payload = types.annotation(model.nodes[event_id].payload_type, imports)
            items.append(
                Exposed(
                    "event", event_id, attrs[event_id], f"emit_{attrs[event_id]}", payload, None,
                    None if payload == "None" else adapter(payload), None,
                )
            )  # fmt: skip
        prefix = fixed[f"async:{exposure.id}"].removesuffix("AsyncClient")
        apps.append(ExposureApp(attrs[exposure.id], "", tuple(items), prefix))
    errors: list[tuple[str, Expr]] = []
    for error_id in model.error_ids:
        factory = types.error_factory(model.nodes[error_id], imports)
        if factory is not None:
            errors.append((error_id, factory))
    wanted = dict(_CLIENT_NAMES)
    if not adapters:
        wanted.pop("type_adapter")
    for role, (module, name) in wanted.items():
        bound[role] = imports.name(module, name)
    bound["httpx"] = imports.module("httpx", "httpx")
    return RemoteModule(
        imports=tuple(imports.statements(typing_only=False)),
        adapters=tuple(Adapter(name, text) for text, name in adapters.items()),
        exposures=tuple(apps),
        errors=tuple(errors),
        names=MappingProxyType(bound),
    )


_CLIENT_METHODS = frozenset({"discovery", "aclose", "close"})
_CLIENT_NAMES = {
    "final": ("typing", "Final"),
    "type_adapter": ("pydantic", "TypeAdapter"),
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
