"""One module's source, read for lifting: its top-level bindings and the globals a statement uses.

``client_types`` copies classes, aliases and constants out of the modules that define them; this
module answers, for one module, "what binds this global name?" (a class or assignment to copy, an
import to repeat, or something that cannot be copied) and "which globals does this statement
use, and where?" (libcst's scope analysis, string annotations included).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import libcst as cst
from libcst.metadata import (
    Assignment,
    GlobalScope,
    ImportAssignment,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    ScopeProvider,
)


@dataclass(frozen=True, slots=True)
class Definition:
    """A top-level class or assignment: copied into the new module."""

    statement: cst.BaseStatement
    line: int


@dataclass(frozen=True, slots=True)
class Imported:
    """An import: ``from module import name`` (``name`` set) or ``import module``."""

    module: str
    name: str | None
    line: int


@dataclass(frozen=True, slots=True)
class Unliftable:
    """A binding whose source cannot stand alone (a function, a loop variable ...)."""

    what: str
    line: int


Binding = Definition | Imported | Unliftable


@dataclass(frozen=True, slots=True)
class GlobalUse:
    """``name`` used at ``node`` (a Name, or a string annotation) inside a lifted statement.

    ``attribute`` is set for ``alias.attribute`` where ``alias`` names an imported module; then
    ``node`` is the whole Attribute expression, replaced as one.
    """

    name: str
    node: cst.CSTNode
    attribute: str | None = None


class ModuleSource:
    """The parsed source of an importable module, with libcst's scope and parent metadata."""

    def __init__(self, module: ModuleType) -> None:
        self.name = module.__name__
        self.package = module.__package__ or ""
        file = getattr(module, "__file__", None)
        if file is None or not file.endswith(".py"):
            raise FileNotFoundError(f"module {self.name} has no Python source file")
        self.path = Path(file)
        wrapper = MetadataWrapper(cst.parse_module(self.path.read_text(encoding="utf-8")))
        self.module = wrapper.module
        self._scopes = wrapper.resolve(ScopeProvider)
        self._parents = wrapper.resolve(ParentNodeProvider)
        self._positions = wrapper.resolve(PositionProvider)
        global_scope = self._scopes[self.module]
        assert isinstance(global_scope, GlobalScope)
        self._global = global_scope

    def line_of(self, node: cst.CSTNode) -> int:
        return self._positions[node].start.line

    def binding(self, name: str) -> Binding | None:
        """What binds ``name`` at module level; None when nothing does (a builtin, or a typo)."""
        assignments = [
            a for a in self._global[name] if isinstance(a, Assignment) and a.scope is self._global
        ]
        if not assignments:
            return None
        if len(assignments) > 1:
            lines = ", ".join(str(self.line_of(a.node)) for a in assignments)
            return Unliftable(
                f"assigned more than once (lines {lines})", self.line_of(assignments[0].node)
            )
        [assignment] = assignments
        if isinstance(assignment, ImportAssignment):
            return self._imported(name, assignment.node)
        node = assignment.node
        line = self.line_of(node)
        if isinstance(node, cst.ClassDef) and self._parents[node] is self.module:
            return Definition(node, line)
        if isinstance(node, cst.FunctionDef):
            return Unliftable("a function", line)
        statement = self._top_level_statement(node)
        if statement is not None and _is_plain_assignment(statement, name):
            return Definition(statement, line)
        return Unliftable("not a module-level class or single assignment", line)

    def global_uses(self, statement: cst.CSTNode) -> Iterator[GlobalUse]:
        """Every use, inside ``statement``, of a name bound at module level (in source order)."""
        inside = _node_ids(statement)
        uses: list[tuple[int, int, GlobalUse]] = []
        for scope in {id(s): s for s in self._scopes.values() if s is not None}.values():
            for access in scope.accesses:
                node = access.node
                if id(node) not in inside:
                    continue
                for referent in access.referents:
                    if referent.scope is self._global:
                        position = self._positions[node].start
                        for use in self._uses(referent.name, node):
                            uses.append((position.line, position.column, use))
        seen: set[tuple[int, str, str | None]] = set()
        order = sorted(
            uses, key=lambda item: (item[0], item[1], item[2].name, item[2].attribute or "")
        )
        for _, _, use in order:
            if (id(use.node), use.name, use.attribute) not in seen:
                seen.add((id(use.node), use.name, use.attribute))
                yield use

    def unresolved(self, statement: cst.CSTNode) -> list[tuple[str, int]]:
        """Names used in ``statement`` that resolve nowhere (neither module level nor builtin)."""
        inside = _node_ids(statement)
        missing = []
        for scope in {id(s): s for s in self._scopes.values() if s is not None}.values():
            for access in scope.accesses:
                if id(access.node) in inside and not access.referents:
                    node = access.node
                    if isinstance(node, cst.Name):
                        missing.append((node.value, self.line_of(node)))
        return sorted(set(missing), key=lambda item: (item[1], item[0]))

    def _uses(self, name: str, node: cst.CSTNode) -> list[GlobalUse]:
        if not isinstance(self.binding(name), Imported):
            return [GlobalUse(name, node)]
        if isinstance(node, cst.SimpleString):  # "module.Name" inside a string annotation
            pattern = rf"(?<![\w.]){re.escape(name)}\.(\w+)"
            attributes = sorted(set(re.findall(pattern, node.value)))
            return [GlobalUse(name, node, attribute) for attribute in attributes] or [
                GlobalUse(name, node)
            ]
        parent = self._parents.get(node)
        if (
            isinstance(node, cst.Name)
            and isinstance(parent, cst.Attribute)
            and parent.value is node
        ):
            return [GlobalUse(name, parent, parent.attr.value)]
        return [GlobalUse(name, node)]

    def _imported(self, name: str, node: cst.CSTNode) -> Imported | Unliftable:
        line = self.line_of(node)
        if isinstance(node, cst.Import):
            for alias in node.names:
                dotted = _dotted(alias.name)
                if alias.asname is not None:
                    if _bound_name(alias.asname) == name:
                        return Imported(dotted, None, line)
                elif name in (dotted, dotted.split(".")[0]):
                    return Imported(dotted, None, line)  # `import a.b` binds `a`
        elif isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
            source = self._absolute(node)
            for alias in node.names:
                bound = _bound_name(alias.asname) if alias.asname else _dotted(alias.name)
                if bound == name:
                    return Imported(source, _dotted(alias.name), line)
        return Unliftable("bound by an import this tool cannot read", line)

    def _absolute(self, node: cst.ImportFrom) -> str:
        relative = len(node.relative)
        written = _dotted(node.module) if node.module is not None else ""
        if not relative:
            return written
        base = self.package.split(".")
        base = base[: len(base) - (relative - 1)] if relative > 1 else base
        return ".".join([*base, written] if written else base)

    def _top_level_statement(self, node: cst.CSTNode) -> cst.BaseStatement | None:
        current: cst.CSTNode | None = node
        while current is not None:
            parent = self._parents.get(current)
            if parent is self.module:
                return current if isinstance(current, cst.BaseStatement) else None
            current = parent
        return None


def module_source(name: str) -> ModuleSource:
    return ModuleSource(importlib.import_module(name))


def _is_plain_assignment(statement: cst.BaseStatement, name: str) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    [small] = statement.body
    if isinstance(small, cst.Assign):
        return [_target_name(t.target) for t in small.targets] == [name]
    if isinstance(small, cst.AnnAssign):
        return small.value is not None and _target_name(small.target) == name
    return False


def _target_name(target: cst.BaseExpression) -> str | None:
    return target.value if isinstance(target, cst.Name) else None


def _node_ids(root: cst.CSTNode) -> set[int]:
    ids: set[int] = set()

    class Collect(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            ids.add(id(node))
            return True

    root.visit(Collect())
    return ids


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    raise TypeError(f"not a dotted name: {node!r}")


def _bound_name(asname: cst.AsName | None) -> str | None:
    if asname is None:
        return None
    return _dotted(cst.ensure_type(asname.name, cst.Name))
