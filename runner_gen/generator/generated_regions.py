"""Which definition a line of a generated module comes from.

Generated code says so in two ways that do not depend on its layout: module-level factories
are recorded in ``AppIR.provenance`` (factory name -> definition id), and the code for one
definition starts with a ``# <definition id> (<file>)`` comment (the blocks of ``start()``, the
hooks an event's emitter calls). A line belongs to the nearest such comment above it in the
same top-level function, else to the factory around it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a generated line comes from: the innermost definition (a hook inside an event's
    emitter, a block of start()) and, when the line is inside a factory, the factory's."""

    node_id: str
    factory_node_id: str | None = None
    factory: str | None = None  # the factory's generated name


class GeneratedModule:
    def __init__(self, text: str, ids: frozenset[str], factories: dict[str, str]) -> None:
        """``ids``: every definition id of the app; ``factories``: factory name -> its id."""
        self.factories = factories
        self._functions: list[tuple[int, int, str]] = []
        try:
            tree = ast.parse(text)
        except SyntaxError:  # pragma: no cover - generated modules are compiled before this
            tree = ast.Module(body=[], type_ignores=[])
        for statement in tree.body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
                end = statement.end_lineno or statement.lineno
                self._functions.append((statement.lineno, end, statement.name))
        self._comments: dict[int, str] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            node_id = _commented_id(line, ids)
            if node_id is not None:
                self._comments[number] = node_id

    def origin(self, line: int) -> Origin | None:
        function = next(
            ((start, name) for start, end, name in self._functions if start <= line <= end), None
        )
        if function is None:
            return None
        start, name = function
        factory_id = self.factories.get(name)
        inner = next(
            (self._comments[n] for n in range(line, start, -1) if n in self._comments), None
        )
        if inner is not None:
            return Origin(inner, factory_id, name if factory_id else None)
        if factory_id is not None:
            return Origin(factory_id, factory_id, name)
        above = self._comments.get(start - 1)  # a factory's comment sits above its def
        return None if above is None else Origin(above, above, name)


def _commented_id(line: str, ids: frozenset[str]) -> str | None:
    """The definition id a ``# <id> (<file>)...`` comment line names, if it is one."""
    text = line.strip()
    if not text.startswith("# "):
        return None
    text = text[2:]
    position = text.find(" (")
    while position != -1:
        if text[:position] in ids:
            return text[:position]
        position = text.find(" (", position + 1)
    return None
