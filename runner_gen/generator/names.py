"""Names in a generated module: imports collected as data, collisions resolved, sorted output."""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable
from typing import cast

import libcst as cst

from runner_gen.generator.annotations import Annotation, TypeImport

# Names the templates define or import themselves; user imports never take them.
RESERVED = frozenset(
    {
        "annotations", "TYPE_CHECKING", "Any", "Awaitable", "Callable", "Final", "cast",
        "partial", "asynccontextmanager", "AsyncIterator", "App", "Resources", "Tasks",
        "Events", "start", "running", "main", "APP_ID", "lifecycle", "resources", "tasks",
        "events", "error", "emission", "push_disposer", "health", "chain", "config", "input",
        "payload", "app",
    }
)  # fmt: skip
_LOCAL_PREFIXES = (
    "res_", "task_", "emit_", "mw_", "tag_", "cfg_", "ctx_", "info_", "value_", "log_", "_",
)  # fmt: skip


class ImportTable:
    """Allocates module-level names for user functions, modules and annotation types."""

    def __init__(self) -> None:
        self._by_target: dict[tuple[str, str | None], str] = {}
        self._runtime: dict[str, TypeImport] = {}
        self._typing: dict[str, TypeImport] = {}
        self._taken: set[str] = set(RESERVED)

    def function(self, module: str, name: str) -> str:
        """A name bound at run time to ``module.name`` (a function or class to call)."""
        return self._bind(module, name, name, runtime=True)

    def module(self, module: str) -> str:
        """A private alias for a module whose attributes generated code navigates."""
        alias = "_" + module.rsplit(".", 1)[-1]
        return self._bind(module, None, alias, runtime=True)

    def annotation(self, annotation: Annotation, *, runtime: bool = False) -> str:
        """The annotation's text, with head names renamed where they had to be aliased.

        ``runtime``: the names are needed when the module runs (e.g. in a ``TypeAdapter``),
        not only by the type checker.
        """
        renames: dict[str, str] = {}
        for imported in annotation.imports:
            local = self._bind(imported.module, imported.name, imported.local, runtime=runtime)
            if local != imported.local:
                renames[imported.local] = local
        return _rename_heads(annotation.text, renames) if renames else annotation.text

    def private(self, module: str, name: str, local: str) -> str:
        """Bind a runner-gen runtime name under a fixed private alias."""
        self._taken.add(local)
        self._by_target[(module, name)] = local
        self._runtime[local] = TypeImport(module, name, local)
        return local

    def runtime_statements(self) -> list[str]:
        return merge_imports(self._runtime.values())

    def typing_statements(self) -> list[str]:
        return merge_imports(
            imported for local, imported in self._typing.items() if local not in self._runtime
        )

    def _bind(self, module: str, name: str | None, wanted: str, *, runtime: bool) -> str:
        target = (module, name)
        local = self._by_target.get(target)
        if local is None:
            local = self._free(wanted)
            self._by_target[target] = local
            self._taken.add(local)
        imported = TypeImport(module, name, local)
        if name is None and local == module:
            imported = TypeImport(module, None, local)
        (self._runtime if runtime else self._typing)[local] = imported
        return local

    def _free(self, wanted: str) -> str:
        base = wanted if wanted.isidentifier() and not keyword.iskeyword(wanted) else f"{wanted}_"
        if base.startswith(_LOCAL_PREFIXES[:-1]):
            base = f"fn_{base}"  # never shadowed by a local variable of start()
        if base not in self._taken:
            return base
        counter = 2
        while f"{base}_{counter}" in self._taken:
            counter += 1
        return f"{base}_{counter}"


def merge_imports(imports: Iterable[TypeImport]) -> list[str]:
    """isort-style lines: plain imports first, then one ``from m import a, b`` per module."""
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
        line = f"from {module} import {', '.join(ordered)}"
        if len(line) > _LINE_LIMIT:
            body = "".join(f"    {name},\n" for name in ordered)
            line = f"from {module} import (\n{body})"
        froms.append(line)
    return plain + froms


_LINE_LIMIT = 88  # leaves room for the TYPE_CHECKING block's indent within 100 columns


def _import_sort_key(name: str) -> tuple[bool, str]:
    # ruff/isort order: CONSTANTS, then Classes, then functions; case-sensitive within.
    return (not name[:1].isupper(), name)


def _rename_heads(text: str, renames: dict[str, str]) -> str:
    expression = cst.parse_expression(text)

    class Renamer(cst.CSTTransformer):
        def visit_Attribute(self, node: cst.Attribute) -> bool:
            return True

        def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
            # Only the head of a dotted name is a binding; restore the attribute tail.
            return updated.with_changes(attr=original.attr)

        def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
            new = renames.get(original.value)
            return updated.with_changes(value=new) if new else updated

    renamed = cast("cst.BaseExpression", expression.visit(Renamer()))
    return cst.Module(body=[]).code_for_node(renamed)


def identifier(text: str) -> str:
    """A snake_case Python identifier for an id segment such as ``getUser`` or ``send-email``."""
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    text = re.sub(r"\W+", "_", text).strip("_").lower() or "item"
    if text[0].isdigit():
        text = f"_{text}"
    return f"{text}_" if keyword.iskeyword(text) else text


def attribute_names(ids: list[str]) -> dict[str, str]:
    """Short, unique attribute names: the last id segment, widened only where two collide."""
    names: dict[str, str] = {}
    width = dict.fromkeys(ids, 1)
    while True:
        candidates = {
            definition_id: identifier("_".join(definition_id.split(".")[-width[definition_id] :]))
            for definition_id in ids
        }
        clashes: dict[str, list[str]] = {}
        for definition_id, name in candidates.items():
            clashes.setdefault(name, []).append(definition_id)
        widened = False
        for group in clashes.values():
            if len(group) > 1:
                for definition_id in group:
                    if width[definition_id] < len(definition_id.split(".")):
                        width[definition_id] += 1
                        widened = True
        if not widened:
            break
    seen: dict[str, int] = {}
    for definition_id in ids:
        name = candidates[definition_id]
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        names[definition_id] = name
    return names
