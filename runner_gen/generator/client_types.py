"""Standalone copies of the value types a generated client exchanges with its server.

A client package must import without the server's code, yet speak in the server's types. Given
the types that exposed tasks and events take and return (and typed errors' data schemas),
``lift_types`` writes the source of ONE module holding copies of them and of every project-local
class, alias and constant they use, transitively. Types from the stdlib or installed packages
(pydantic, datetime, enum ...) and from runner_gen stay imports.

Copies are the classes' own source, lifted with libcst: validators, ``Field(...)``,
``model_config``, serializers, decorators and docstrings come along, so a value validates and
serializes in the copy exactly as on the server. (Emitting from JSON Schema cannot do that: a
validator's effect is not in the schema; ``tests/client_types`` shows both facts.) What cannot
be copied on its own, such as a class that calls a project-local function, is reported with
its file:line and a fix, all problems at once.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Annotated, Literal, get_args, get_origin

from runner_gen.definitions.source import Source
from runner_gen.generator.lift_emit import (
    External,
    Lifted,
    Symbol,
    allocate_imports,
    allocate_names,
    import_lines,
    rewrite,
)
from runner_gen.generator.lift_source import (
    Definition,
    GlobalUse,
    Imported,
    ModuleSource,
    Unliftable,
    module_source,
)
from runner_gen.generator.problems import BuildError, Problem


@dataclass(frozen=True, slots=True)
class LiftedTypes:
    """``source``: the module's text. ``names``: (module, qualname) -> the name to use for it in
    that module (a dotted path for a nested class), for every copied definition and root type.
    ``installed``: a ``Global`` root that a local module only re-exports from an installed
    package -> (module, name) to import it from. ``imports``: the modules ``source`` imports."""

    source: str
    names: Mapping[tuple[str, str], str]
    installed: Mapping[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    imports: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Global:
    """A module-level value to copy by name, such as a typed error's definition:
    ``Global("shop.errors", "out_of_stock")`` copies ``out_of_stock = r.error(...)...build()``."""

    module: str
    name: str


def lift_types(
    roots: Iterable[object],
    *,
    project_root: Path,
    docstring: str = "Value types copied from the server's definitions.",
) -> LiftedTypes:
    """Copy the project-local types reachable from ``roots`` (classes, typing expressions such
    as ``list[Payment] | None``, or ``Global`` values) into one module. Raises ``BuildError``
    listing every problem."""
    lifter = _Lifter(local_modules(project_root))
    for root in roots:
        lifter.add_root(root)
    lifter.close()
    if lifter.problems:
        raise BuildError(lifter.problems)
    return lifter.emit(docstring)


def local_modules(project_root: Path) -> Callable[[str], bool]:
    """Whether a module is the project's own: its file is under ``project_root``, outside any
    installed packages; runner_gen is never copied (the client depends on its runtime)."""
    root = project_root.resolve()

    def is_local(name: str) -> bool:
        if name.split(".")[0] == "runner_gen" or name in sys.stdlib_module_names:
            return False
        module = sys.modules.get(name) or importlib.import_module(name)
        file = getattr(module, "__file__", None)
        if file is None:
            return False
        path = Path(file).resolve()
        return path.is_relative_to(root) and not {"site-packages", "dist-packages"} & set(
            path.parts
        )

    return is_local


class _Lifter:
    def __init__(self, is_local: Callable[[str], bool]) -> None:
        self.is_local = is_local
        self.problems: list[Problem] = []
        self.roots: dict[tuple[str, str], Symbol] = {}
        self.installed: dict[tuple[str, str], tuple[str, str]] = {}
        self.lifted: dict[Symbol, Lifted] = {}
        self._queue: list[Symbol] = []
        self._sources: dict[str, ModuleSource] = {}

    # -- what to copy ---------------------------------------------------------------------

    def add_root(self, root: object) -> None:
        if isinstance(root, Global):
            if self.is_local(root.module):
                self._add_global(root)
            return
        for cls in _classes_in(root):
            module, qualname = cls.__module__, cls.__qualname__
            if not self.is_local(module):
                continue
            if "<locals>" in qualname:
                self._problem(
                    f"{qualname} is defined inside a function, so its source cannot be copied",
                    None,
                    "Define it at module level.",
                )
                continue
            symbol = (module, qualname.split(".")[0])
            self.roots[(module, qualname)] = symbol
            self._enqueue(symbol)

    def _add_global(self, root: Global) -> None:
        """A name of a local module: its definition, wherever the module imported it from."""
        try:
            target = self._resolve(root.module, root.name, root.name)
        except (FileNotFoundError, OSError) as error:
            self._problem(f"cannot read the source of {root.module}.{root.name}: {error}", None)
            return
        if isinstance(target, External):
            assert target.name is not None  # _resolve follows `from m import n` only
            self.installed[(root.module, root.name)] = (target.module, target.name)
        elif target is not None:
            self.roots[(root.module, root.name)] = target
            self._enqueue(target)

    def close(self) -> None:
        while self._queue:
            self._lift(self._queue.pop(0))

    def _source(self, module: str) -> ModuleSource:
        """Each module is parsed once per lift (and afresh on the next: files change)."""
        if module not in self._sources:
            self._sources[module] = module_source(module)
        return self._sources[module]

    def _enqueue(self, symbol: Symbol) -> None:
        if symbol not in self.lifted and symbol not in self._queue:
            self._queue.append(symbol)

    def _lift(self, symbol: Symbol) -> None:
        module, name = symbol
        try:
            source = self._source(module)
        except (FileNotFoundError, OSError) as error:
            self._problem(f"cannot read the source of {module}.{name}: {error}", None)
            return
        binding = source.binding(name)
        if not isinstance(binding, Definition):
            self._unliftable(source, name, binding, None)
            return
        lifted = Lifted(source, binding.statement)
        self.lifted[symbol] = lifted
        for missing, line in source.unresolved(binding.statement):
            self._problem(
                f"{module}.{name} uses {missing!r}, which is not defined in {module}",
                Source(str(source.path), line),
            )
        for use in source.global_uses(binding.statement):
            target = self._target(source, use, user=name)
            if target is not None:
                lifted.targets.append((use, target))
                if isinstance(target, tuple):
                    self._enqueue(target)

    def _target(
        self, source: ModuleSource, use: GlobalUse, *, user: str
    ) -> Symbol | External | None:
        binding = source.binding(use.name)
        if isinstance(binding, Definition):
            return (source.name, use.name)
        if not isinstance(binding, Imported):
            self._unliftable(source, use.name, binding, user)
            return None
        if binding.name is None or is_module(binding.module, binding.name):
            module = binding.module if binding.name is None else f"{binding.module}.{binding.name}"
            if not self.is_local(module):  # `import a.b` binds `a`; uses read `a.b.C`
                return External(binding.module, binding.name, use.name.split(".")[0])
            if use.attribute is None or (binding.name is None and "." in use.name):
                self._problem(
                    f"{source.name}.{user} uses the module {module} itself",
                    Source(str(source.path), binding.line),
                    "Import the names it needs from that module instead.",
                )
                return None
            return self._resolve(module, use.attribute, use.attribute)
        if not self.is_local(binding.module):
            return External(binding.module, binding.name, use.name)
        return self._resolve(binding.module, binding.name, use.name)

    def _resolve(self, module: str, name: str, bound: str) -> Symbol | External | None:
        """The definition behind ``module.name``, following re-exports between local modules
        (``bound``: the name the user's module knows it by)."""
        for _ in range(50):
            source = self._source(module)
            binding = source.binding(name)
            if isinstance(binding, Definition):
                return (module, name)
            if not isinstance(binding, Imported) or binding.name is None:
                self._unliftable(source, name, binding, None)
                return None
            if not self.is_local(binding.module):  # a local re-export of an installed name
                return External(binding.module, binding.name, bound)
            module, name = binding.module, binding.name
        raise RecursionError(f"import cycle while resolving {module}.{name}")  # pragma: no cover

    def _unliftable(
        self, source: ModuleSource, name: str, binding: object, user: str | None
    ) -> None:
        used_by = f" (used by {user})" if user else ""
        if isinstance(binding, Unliftable):
            self._problem(
                f"{source.name}.{name}{used_by} is {binding.what}: it cannot be copied into the "
                "client's types",
                Source(str(source.path), binding.line),
                "Keep value types self-contained: move the logic into the class (a validator "
                "or a method), or into a package both server and client install.",
            )
        else:
            self._problem(f"cannot find {name} in the source of {source.name}", None)

    def _problem(self, message: str, where: Source | None, fix: str | None = None) -> None:
        problem = Problem("client_types", message, where, fix)
        if problem not in self.problems:
            self.problems.append(problem)

    # -- writing the module ---------------------------------------------------------------

    def emit(self, docstring: str) -> LiftedTypes:
        names = allocate_names(self.lifted)
        imports = allocate_imports(self.lifted, set(names.values()))
        blocks = [
            rewrite(self.lifted[symbol], names[symbol], names, imports) for symbol in self._order()
        ]
        header = [f'"""{docstring}"""', "", "from __future__ import annotations", ""]
        text = "\n".join(header + import_lines(imports)) + "\n\n\n" + "\n\n\n".join(blocks)
        mapping = dict(names)
        for (module, qualname), symbol in self.roots.items():
            mapping[(module, qualname)] = ".".join([names[symbol], *qualname.split(".")[1:]])
        return LiftedTypes(
            text.rstrip() + "\n",
            dict(sorted(mapping.items())),
            dict(sorted(self.installed.items())),
            frozenset(external.module for external in imports),
        )

    def _order(self) -> list[Symbol]:
        ordered: list[Symbol] = []
        seen: set[Symbol] = set()

        def visit(symbol: Symbol) -> None:
            if symbol in seen:
                return
            seen.add(symbol)
            for _, target in self.lifted[symbol].targets:
                if isinstance(target, tuple):
                    visit(target)
            ordered.append(symbol)

        for symbol in sorted(self.lifted):
            visit(symbol)
        return ordered


def is_module(module: str, name: str) -> bool:
    """Whether ``module.name`` is a module (``from package import module``)."""
    try:
        return importlib.util.find_spec(f"{module}.{name}") is not None
    except ModuleNotFoundError:
        return False


def _classes_in(root: object) -> Iterator[type]:
    """The classes a typing expression mentions: itself, its origin and arguments, an enum
    member's class in a ``Literal``; pydantic's parametrized generics by origin and arguments."""
    if isinstance(root, Enum):
        yield type(root)
        return
    if isinstance(root, type):
        metadata = getattr(root, "__pydantic_generic_metadata__", None)
        if metadata and metadata.get("origin") is not None:
            yield from _classes_in(metadata["origin"])
            for argument in metadata.get("args", ()):
                yield from _classes_in(argument)
            return
        yield root
        return
    origin = get_origin(root)
    arguments = get_args(root)
    if origin is Annotated:
        yield from _classes_in(arguments[0])
        return
    if origin is Literal:
        for argument in arguments:
            if isinstance(argument, Enum):
                yield type(argument)
        return
    if isinstance(origin, type):
        yield from _classes_in(origin)
    for argument in arguments:
        yield from _classes_in(argument)
