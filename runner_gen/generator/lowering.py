"""The lowering context: what every lowering step shares while turning the app model into IR.

It owns the module's naming authority and imports, the value each started definition is held
in (``values``), and the few conversions every step needs (a config reference to an
expression, a dependency to the value passed for it, an annotation to text).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from runner_gen.definitions.source import Source
from runner_gen.generator.annotations import Annotation, Signature
from runner_gen.generator.builtin_ids import LOGGER_ID, STORE_ID
from runner_gen.generator.ir import (
    Attr,
    Block,
    Branch,
    Const,
    CoreNames,
    Declare,
    Do,
    Expr,
    Factory,
    Index,
    Member,
    Ref,
    Statement,
    Tuple,
    call,
)
from runner_gen.generator.locate import Locator
from runner_gen.generator.lower_overrides import (
    OverrideTracker,
    declared,
    replaced,
    unless_replaced,
)
from runner_gen.generator.model import AppModel, ConfigRef, DependencyUse, Node
from runner_gen.generator.naming import Imports, Names, attribute_names

RUNTIME = "runner_gen.runtime.wiring"
DEFAULTS = "runner_gen.definitions.defaults"


@dataclass
class Lowering:
    model: AppModel
    package: str
    names: Names = field(default_factory=Names)
    imports: Imports = field(init=False)
    attrs: dict[str, str] = field(default_factory=dict)
    values: dict[str, Expr] = field(default_factory=dict)  # node id -> local holding its value
    loggers: dict[str, Expr] = field(default_factory=dict)  # dependent id -> its child logger
    blocks: list[Block] = field(default_factory=list)
    factories: list[Factory] = field(default_factory=list)
    provenance: list[tuple[str, str, str]] = field(default_factory=list)
    instance_types: dict[str, str] = field(default_factory=dict)  # middleware id -> its class
    member_types: dict[str, str] = field(default_factory=dict)  # node id -> its member's type
    emitters: dict[str, tuple[Expr, Expr]] = field(default_factory=dict)  # event -> emit, report
    state_members: list[Member] = field(default_factory=list)  # what _State declares
    adapters: dict[str, str] = field(default_factory=dict)  # type text -> TypeAdapter constant
    core: CoreNames = field(init=False)
    used: dict[str, str] = field(default_factory=dict)  # helper role -> its bound name
    pushes_disposers: bool = False
    needed: frozenset[str] = field(init=False)  # ids some other definition uses
    overrides: OverrideTracker = field(default_factory=OverrideTracker)

    def __post_init__(self) -> None:
        self.imports = Imports(self.names)
        self.core = allocate_core(self.names)
        # Keywords callers pass by name to every emit function; claimed before any import.
        for role in ("failure_mode", "throw_on_error", "source"):
            self.parameter(role)
        root = self.model.root_id
        self.needed = frozenset(
            target
            for node_id, targets in self.model.edges.items()
            if node_id != root
            for target in targets
        )
        by_kind: dict[str, list[str]] = {}
        for node in self.model.nodes.values():
            by_kind.setdefault(node.kind, []).append(node.id)
        for ids in by_kind.values():
            self.attrs.update(attribute_names(ids))
        reserve_attributes(self.names, self.attrs)
        # The App's own attributes: its methods' annotations must not name one of them.
        for name in APP_ATTRIBUTES:
            self.names.attribute(name)

    # -- names -----------------------------------------------------------------------------

    def helper(self, role: str) -> str:
        """A typing or stdlib helper the generated code uses (``Any``, ``cast``...), bound once
        and remembered, so the template can print it and nothing unused is imported."""
        name = self.used.get(role)
        if name is None:
            if role == "rt":
                name = self.imports.module(RUNTIME, "_rt")
            else:
                module, attribute = _HELPERS[role]
                name = self.imports.type_name(module, attribute)
            self.used[role] = name
        return name

    def parameter(self, role: str) -> str:
        """A keyword parameter of generated functions that callers pass by name
        (``source=``): claimed once, so no module-level name can take it."""
        key = f"parameter:{role}"
        name = self.used.get(key)
        if name is None:
            name = self.names.parameter(role)
            if name != role:  # pragma: no cover - claimed before any import could take it
                raise AssertionError(f"the keyword {role!r} is taken")
            self.used[key] = name
        return name

    def partial(self) -> str:
        return self.helper("partial")

    def adapter(self, annotation: Annotation) -> str:
        """A module-level ``TypeAdapter`` for ``annotation`` (wire codec), created once."""
        text = self.imports.annotation(annotation, typing_only=False)
        name = self.adapters.get(text)
        if name is None:
            name = self.names.new(adapter_name(text))
            self.adapters[text] = name
        return name

    def local(self, wanted: str) -> str:
        """A module-level name (a factory, an adapter) or a local of start() itself."""
        return self.names.new(wanted)

    def member(self, holder: str, attr: str) -> tuple[str, Expr]:
        """A resource's, task's or event's own attribute of ``resources`` / ``tasks`` /
        ``events``: where start() keeps its value (no second copy on the state)."""
        return f"{holder}.{attr}", Attr(Ref(holder), attr)

    def slot(self, wanted: str, type: str) -> tuple[str, Expr]:
        """A value start() keeps for later definitions: an attribute of the generated
        ``_State`` (declared with ``type``), so start() can run in small chunks that share it.
        Returns the assignment target (``state.<name>``) and the expression reading it."""
        name = self.names.new(wanted)
        self.state_members.append(Member(name, type, ""))
        return f"{self.core.state}.{name}", Attr(Ref(self.core.state), name)

    def runtime(self, module: str, name: str) -> str:
        """A runner-gen runtime name, bound at run time."""
        return self.imports.name(module, name)

    def rt(self, name: str) -> Attr:
        """``_rt.<name>``: a start-time helper of ``runner_gen.runtime.wiring``."""
        return Attr(Ref(self.helper("rt")), name)

    def rt_type(self, name: str) -> str:
        return f"{self.helper('rt')}.{name}"

    def call_class(self, kind: str) -> str:
        """``TaskCall`` or ``ResourceCall``: what a custom middleware layer receives."""
        name = "TaskCall" if kind == "task" else "ResourceCall"
        return self.runtime("runner_gen.runtime.custom", name)

    def annotation(self, annotation: Annotation | None, *, typing_only: bool = True) -> str:
        if annotation is None:
            return self.helper("any")
        return self.imports.annotation(annotation, typing_only=typing_only)

    def config_type(self, node: Node) -> str:
        """The type of a resource's config: its schema's, so mypy checks that the init (and
        dispose) accept it; the init's annotation when the schema cannot be written."""
        if node.config_type is not None:
            return self.annotation(node.config_type)
        init = node.functions.get("init")
        if init is not None and init.positional:
            return self.annotation(init.positional[0].annotation)
        return self.helper("any")

    def function(self, signature: Signature) -> str:
        """The user's function, imported where it is defined."""
        return self.imports.name(signature.module, signature.name)

    # -- values ----------------------------------------------------------------------------

    def locator(self, locator: Locator) -> Expr:
        """The definition object at ``locator``, typed as ``Any`` (``untyped(module.attr)...``):
        the path may run through tuples of unions that the type checker cannot follow."""
        head = Attr(Ref(self.imports.module(locator.module)), locator.attr)
        expression: Expr = call(self.runtime(DEFAULTS, "untyped"), head)
        for step in locator.path:
            expression = (
                Index(expression, step) if isinstance(step, int) else Attr(expression, step)
            )
        return expression

    def config(self, ref: ConfigRef) -> Expr:
        if ref.default_of:
            return call(self.runtime(DEFAULTS, "default_config"), self.locator(ref.locator))
        return Attr(self.locator(ref.locator), "config")

    def dependency(self, use: DependencyUse, dependent: str) -> Expr:
        """The value passed for ``use`` to ``dependent``'s functions."""
        if not use.registered:
            return Const(None)
        if use.target_id == STORE_ID:
            return self.values[STORE_ID]
        if use.target_id == LOGGER_ID:
            return self.loggers[dependent]
        emitter = self.emitters.get(use.target_id)
        if emitter is not None:
            # Each dependent emits as itself: its id becomes the emission's source.
            return call(self.rt("bind_emitter"), *emitter, Const(dependent))
        return self.values[use.target_id]

    def keyword_values(
        self,
        node: Node,
        signature: Signature,
        context: Expr | None,
        scoped: Mapping[str, Expr] | None = None,
    ) -> dict[str, Expr]:
        """Keyword arguments for one of ``node``'s functions: the dependencies it declares (and
        ``context``), in the order of its signature. ``scoped``: the call-scoped values (locals
        of the run function) by resource id."""
        values = {
            use.key: scoped[use.target_id]
            if scoped is not None and use.target_id in scoped
            else self.dependency(use, node.id)
            for use in node.dependencies
        }
        if context is not None:
            values["context"] = context
        return {name: values[name] for name in signature.keyword_names if name in values}

    def unless_replaced(
        self, group: str, member: Member, target: str, body: list[Statement]
    ) -> Branch:
        """``if <a test replaced it>: target = <the override> else: <body>``."""
        return unless_replaced(
            self.overrides, self.local, group, member, self.core.replacing, target, body
        )

    def declared(self, target: str, member: Member) -> Declare:
        return declared(target, member)

    def clock(self) -> str:
        """The clock built-in middleware are given (the system's, or a test's override)."""
        local = self.overrides.locals.get("clock")
        if local is None:
            local = self.local("clock")
            self.overrides.locals["clock"] = local
        return local

    def replaced_or(self, group: str, member: Member, value: Expr) -> Expr:
        """``replaced_<group>.get("<attr>", value)``: the test's replacement, else ``value``
        (built either way: a task's closure or an event's emitters cost nothing to build)."""
        replaced(self.overrides, self.local, group, member, self.core.replacing)
        local = self.overrides.locals[group]
        return call(Attr(Ref(local), "get"), Const(member.attr), value)

    def replaced(self, group: str, member: Member) -> tuple[Expr, Expr]:
        """(condition, value) of an override of ``member``."""
        return replaced(self.overrides, self.local, group, member, self.core.replacing)

    def push_disposer(self, node_id: str, function: Expr, arguments: tuple[Expr, ...]) -> Do:
        """Push ``function(*arguments)`` on the dispose stack (after its init returned)."""
        self.pushes_disposers = True
        entry = Tuple((Const(node_id), function, Tuple(arguments)))
        return Do(call(Ref(self.core.push_disposer), entry))

    # -- provenance --------------------------------------------------------------------------

    def comment(self, node: Node) -> str:
        return f"{node.id} ({self.file_of(node)})"

    def file_of(self, node: Node) -> str:
        return relative_file(node.source, self.model.project_root)

    def record(self, name: str, node: Node) -> None:
        self.provenance.append((name, node.id, str(node.source)))


#: Attributes of the generated ``App`` (slots and methods).
APP_ATTRIBUTES = (
    "_boundary", "_configs", "_lifecycle", "_lookup", "_tables", "events", "health", "resources",
    "store", "tasks", "dispose", "skip_drain", "run_task", "emit_event", "get_resource_value",
    "get_resource_config",
)  # fmt: skip


def allocate_core(names: Names) -> CoreNames:
    public = ("APP_ID", "Resources", "Tasks", "Events", "App", "start", "running", "main",
              "config", "overrides", "Overrides", "ResourceOverrides", "TaskOverrides",
              "EventOverrides", "on_unhandled_error", "error_boundary")  # fmt: skip
    fixed = [names.fixed(name) for name in public]
    locals_ = ("replacing", "lifecycle", "push_disposer", "health", "resources", "tasks",
               "events", "store", "error", "app", "state", "_State", "boundary")  # fmt: skip
    return CoreNames(*fixed, *(names.new(name) for name in locals_))


_HELPERS = {
    "any": ("typing", "Any"),
    "cast": ("typing", "cast"),
    "final": ("typing", "Final"),
    "type_checking": ("typing", "TYPE_CHECKING"),
    "awaitable": ("collections.abc", "Awaitable"),
    "callable": ("collections.abc", "Callable"),
    "async_iterator": ("collections.abc", "AsyncIterator"),
    "asynccontextmanager": ("contextlib", "asynccontextmanager"),
    "partial": ("functools", "partial"),
    "type_adapter": ("pydantic", "TypeAdapter"),
    "typed_dict": ("typing", "TypedDict"),
    "mapping": ("collections.abc", "Mapping"),
}


def reserve_attributes(names: Names, attrs: dict[str, str]) -> None:
    for attr in attrs.values():
        names.attribute(attr)


def adapter_name(type_text: str) -> str:
    """``_ADD_INPUT`` for ``AddInput``, ``_LIST_USER`` for ``list[User]``: readable constants."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", type_text)
    return "_" + (re.sub(r"\W+", "_", words).strip("_").upper() or "VALUE")


def relative_file(source: Source, project_root: Path) -> str:
    """The definition's file relative to the project, without a line number: moving a definition
    within its file, or editing comments above it, leaves generated code unchanged; and the
    same on every machine (installed packages are named from their import root)."""
    return _relative_file(source.file, project_root)


@functools.lru_cache(maxsize=4096)
def _relative_file(file: str, project_root: Path) -> str:
    # Cached: thousands of definitions share a few files, and resolve() is a syscall per part.
    path = Path(file).resolve()
    if path.is_relative_to(project_root):
        return path.relative_to(project_root).as_posix()
    parts = path.parts
    for marker in ("site-packages", "dist-packages"):
        if marker in parts:
            return "/".join(parts[parts.index(marker) + 1 :])
    if "runner_gen" in parts:
        return "/".join(parts[parts.index("runner_gen") :])
    return path.name
