"""The naming authority: every identifier a generated module binds is allocated here.

One flat namespace per generated module: module-level names, imports, and the locals and
parameters of every function in it are all distinct, so no name can shadow another, whatever
the user's functions, ids and types are called. Names are handed out in a fixed order (the
module's public API first, then as lowering asks), so output is deterministic. Templates never
invent a name: they only print names they were given.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Iterable
from typing import cast

import libcst as cst

from runner_gen.generator.annotations import Annotation, TypeImport
from runner_gen.generator.builtin_ids import SHORT_NAMES

# Builtins stay unshadowed: annotations the user wrote (``list[str]``) and generated code
# (``BaseException``) refer to them from every scope.
_BUILTINS = frozenset(dir(builtins))
_UNAVAILABLE = frozenset(
    {*keyword.kwlist, *keyword.softkwlist, *_BUILTINS, "annotations", "__future__"}
)


class Names:
    """Allocates unique identifiers for one generated module."""

    def __init__(self) -> None:
        self._taken: set[str] = set(_UNAVAILABLE)
        self._shared: dict[tuple[str, int], str] = {}
        self._attributes: set[str] = set()

    def fixed(self, name: str) -> str:
        """Claim ``name`` exactly: the module's public API (``App``, ``start``...)."""
        if name in self._taken:  # pragma: no cover - a template bug, caught by every test
            raise ValueError(f"{name!r} is already taken")
        self._taken.add(name)
        return name

    def new(self, wanted: str, *, in_annotations: bool = False) -> str:
        """A fresh identifier close to ``wanted`` (``wanted``, else ``wanted_2``, ...).

        ``in_annotations``: the name is used in type annotations, which class bodies resolve
        through their own attributes first, so it must not equal any generated attribute.
        """
        base = _identifier(wanted)
        name, counter = base, 2
        while name in self._taken or (in_annotations and name in self._attributes):
            name, counter = f"{base}_{counter}", counter + 1
        self._taken.add(name)
        return name

    def parameter(self, wanted: str) -> str:
        """A parameter name users see (``input``): may shadow a builtin the function does not
        use, never a name of the module."""
        name = wanted
        if keyword.iskeyword(name) or (name in self._taken and name not in _BUILTINS):
            name = self.new(wanted)
        self._taken.add(name)
        return name

    def attribute(self, name: str) -> None:
        """Declare an attribute of a generated class: names used in annotations avoid it."""
        self._attributes.add(name)

    def shared(self, wanted: str, nth: int = 0) -> str:
        """A name for function-local use (parameters, locals of generated functions).

        Locals of different functions never see each other, so the same name serves them all;
        it comes from the module's pool, so it never equals a module-level name and cannot
        shadow one. ``nth`` tells apart two locals of one function that want the same name.
        """
        key = (wanted, nth)
        name = self._shared.get(key)
        if name is None:
            name = self.new(wanted)
            self._shared[key] = name
        return name


class Scope:
    """The parameters and locals of one generated function, drawn from ``Names.shared``."""

    def __init__(self, names: Names) -> None:
        self._names = names
        self._count: dict[str, int] = {}

    def name(self, wanted: str) -> str:
        nth = self._count.get(wanted, 0)
        self._count[wanted] = nth + 1
        return self._names.shared(wanted, nth)


class Imports:
    """The import statements of a generated module, collected as lowering asks for names.

    Each target (module, name) is bound once, under a name the authority allocates (the name
    as written when it is free, an alias otherwise). ``typing_only`` bindings are written under
    ``if TYPE_CHECKING:``; a binding needed at run time anywhere is a run-time import.
    """

    def __init__(self, names: Names) -> None:
        self._names = names
        self._locals: dict[tuple[str, str | None], str] = {}
        self._runtime: set[tuple[str, str | None]] = set()

    def name(self, module: str, name: str, *, typing_only: bool = False) -> str:
        """The local name bound to ``module.name`` (``from module import name``)."""
        return self._bind(module, name, name, typing_only=typing_only)

    def type_name(self, module: str, name: str) -> str:
        """Like ``name``, for a name printed in annotations (``Callable``, ``Any``)."""
        return self._bind(module, name, name, typing_only=False, in_annotations=True)

    def sibling(self, module: str) -> str:
        """A module of the generated package itself, imported relatively (``from . import
        exposure as _exposure``): the same whether the package exists yet or not, so import
        sorting does not change between a first build and the next."""
        return self._bind(".", module, f"_{module}", typing_only=False)

    def module(self, module: str, wanted: str | None = None) -> str:
        """A local alias for a module whose attributes generated code navigates."""
        return self._bind(
            module, None, wanted or "_" + module.rsplit(".", 1)[-1], typing_only=False
        )

    def annotation(self, annotation: Annotation, *, typing_only: bool = True) -> str:
        """The annotation's text, its head names bound (renamed where they had to be aliased)."""
        renames: dict[str, str] = {}
        for imported in annotation.imports:
            local = self._bind(
                imported.module,
                imported.name,
                imported.local,
                typing_only=typing_only,
                in_annotations=True,
            )
            if local != imported.local:
                renames[imported.local] = local
        return rename_heads(annotation.text, renames) if renames else annotation.text

    def statements(self, *, typing_only: bool) -> list[str]:
        """isort-style lines: plain imports first, then ``from m import a, b`` per module."""
        chosen = [
            TypeImport(module, name, local)
            for (module, name), local in self._locals.items()
            if ((module, name) not in self._runtime) == typing_only
        ]
        return merge_imports(chosen)

    def _bind(
        self,
        module: str,
        name: str | None,
        wanted: str,
        *,
        typing_only: bool,
        in_annotations: bool = False,
    ) -> str:
        target = (module, name)
        local = self._locals.get(target)
        if local is None:
            local = self._names.new(wanted, in_annotations=in_annotations)
            self._locals[target] = local
        if not typing_only:
            self._runtime.add(target)
        return local


def merge_imports(imports: Iterable[TypeImport]) -> list[str]:
    imports = list(imports)
    plain = sorted({imported.statement() for imported in imports if imported.name is None})
    grouped: dict[str, set[str]] = {}
    for imported in imports:
        if imported.name is not None:
            alias = "" if imported.local == imported.name else f" as {imported.local}"
            grouped.setdefault(imported.module, set()).add(f"{imported.name}{alias}")
    froms = []
    for module, names in sorted(grouped.items()):
        ordered = sorted(names, key=_import_sort_key)
        froms.append(f"from {module} import {', '.join(ordered)}")
    return plain + froms


def _import_sort_key(name: str) -> tuple[int, str]:
    # isort's force-sort-within-sections off, order-by-type on: CONSTANTS, Classes, functions.
    head = name.split(" ")[0]
    if head.isupper() and len(head) > 1:
        return (0, name)
    return (1 if head[:1].isupper() else 2, name)


def rename_heads(text: str, renames: dict[str, str]) -> str:
    """``text`` with the head names of dotted names renamed (``a`` in ``a.b.C``)."""
    expression = cst.parse_expression(text)

    class Renamer(cst.CSTTransformer):
        def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
            # Only the head of a dotted name is a binding; restore the attribute tail.
            return updated.with_changes(attr=original.attr)

        def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
            new = renames.get(original.value)
            return updated.with_changes(value=new) if new else updated

    renamed = cast("cst.BaseExpression", expression.visit(Renamer()))
    return cst.Module(body=[]).code_for_node(renamed)


def _identifier(text: str) -> str:
    text = re.sub(r"\W+", "_", text) or "name"
    return f"_{text}" if text[0].isdigit() else text


def identifier(text: str) -> str:
    """A snake_case Python identifier for an id segment such as ``getUser`` or ``send-email``."""
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    text = re.sub(r"\W+", "_", text).strip("_").lower() or "item"
    if text[0].isdigit():
        text = f"_{text}"
    return f"{text}_" if keyword.iskeyword(text) or keyword.issoftkeyword(text) else text


def attribute_names(ids: list[str]) -> dict[str, str]:
    """Short, unique attribute names: the last id segment, widened only where two collide.

    Attributes live on the generated ``Resources``/``Tasks``/``Events`` classes, not in the
    module namespace, so they need not be allocated by ``Names``; they only avoid the names
    those classes use themselves (dunders and ``__slots__``).
    """
    segments = {definition_id: _segments(definition_id) for definition_id in ids}
    width = dict.fromkeys(ids, 1)
    while True:
        candidates = {
            definition_id: identifier("_".join(segments[definition_id][-width[definition_id] :]))
            for definition_id in ids
        }
        clashes: dict[str, list[str]] = {}
        for definition_id, name in candidates.items():
            clashes.setdefault(name, []).append(definition_id)
        widened = False
        for group in clashes.values():
            if len(group) > 1:
                for definition_id in group:
                    if width[definition_id] < len(segments[definition_id]):
                        width[definition_id] += 1
                        widened = True
        if not widened:
            break
    names: dict[str, str] = {}
    seen: set[str] = set()
    for definition_id in ids:
        name = candidates[definition_id]
        if name.startswith("__"):
            name = name.lstrip("_") or "item"
        if name in _UNAVAILABLE:
            # Class bodies resolve annotations through their attributes first: a member called
            # ``list`` would break every ``list[...]`` annotation after it.
            name = f"{name}_"
        base, counter = name, 2
        while name in seen:
            name, counter = f"{base}_{counter}", counter + 1
        seen.add(name)
        names[definition_id] = name
    return names


def _segments(definition_id: str) -> list[str]:
    short = SHORT_NAMES.get(definition_id)
    if short is not None:
        return [short]
    # Dots are namespaces; anything else in a segment ("billing/charge now") is part of its
    # name, and identifier() turns it into underscores.
    return [part for part in definition_id.split(".") if part] or [definition_id]
