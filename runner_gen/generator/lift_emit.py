"""Writing the lifted module: names for the copies and imports, and each copied statement
rewritten to use them (definitions renamed, uses renamed, string annotations included)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar, cast

import libcst as cst

from runner_gen.generator.lift_source import GlobalUse, ModuleSource

Symbol = tuple[str, str]  # (module, top-level name) of a definition that is copied
_Node = TypeVar("_Node", bound=cst.CSTNode)


@dataclass(frozen=True, slots=True)
class External:
    """An import the new module repeats: ``from module import name`` or ``import module``."""

    module: str
    name: str | None
    bound: str  # the name the original module bound it to


@dataclass(slots=True)
class Lifted:
    source: ModuleSource
    statement: cst.BaseStatement
    targets: list[tuple[GlobalUse, Symbol | External]] = field(default_factory=list)


class Rewrite(cst.CSTTransformer):
    def __init__(
        self,
        replacements: Mapping[int, list[Callable[[cst.CSTNode], cst.CSTNode]]],
        statement: cst.CSTNode,
        new_name: str,
    ) -> None:
        self.replacements = replacements
        self.statement = statement
        self.new_name = new_name

    def on_leave(
        self, original_node: _Node, updated_node: _Node
    ) -> _Node | cst.RemovalSentinel | cst.FlattenSentinel[_Node]:
        replaces = self.replacements.get(id(original_node))
        if replaces:  # libcst accepts any expression where an expression was
            node: cst.CSTNode = updated_node
            for replace in replaces:
                node = replace(node)
            return cast("_Node", node)
        if original_node is self.statement:
            return cast("_Node", _renamed_definition(updated_node, self.new_name))
        return updated_node


def _replacement(
    use: GlobalUse, new: str, *, keep_attribute: bool
) -> Callable[[cst.CSTNode], cst.CSTNode]:
    def replace(node: cst.CSTNode) -> cst.CSTNode:
        if isinstance(node, cst.SimpleString):  # a string annotation: rename inside it
            written = use.name
            if use.attribute is not None and not keep_attribute:
                written = f"{use.name}.{use.attribute}"  # module.Name -> the copy's name
            pattern = rf"(?<![\w.]){re.escape(written)}\b"
            return node.with_changes(value=re.sub(pattern, new, node.value))
        if isinstance(node, cst.Attribute) and keep_attribute:
            return node.with_changes(value=cst.Name(new))
        return cst.Name(new)

    return replace


def _renamed_definition(node: cst.CSTNode, new: str) -> cst.CSTNode:
    if isinstance(node, cst.ClassDef):
        return node.with_changes(name=cst.Name(new))
    assert isinstance(node, cst.SimpleStatementLine)
    [small] = node.body
    if isinstance(small, cst.Assign):
        targets = [cst.AssignTarget(cst.Name(new))]
        return node.with_changes(body=[small.with_changes(targets=targets)])
    assert isinstance(small, cst.AnnAssign)
    return node.with_changes(body=[small.with_changes(target=cst.Name(new))])


def allocate_names(lifted: Mapping[Symbol, Lifted]) -> dict[Symbol, str]:
    """Each copy keeps its name; same-named copies from different modules are prefixed with the
    fewest trailing module segments that tell them apart (``BillingItem``, ``ShopItem``)."""
    by_name: dict[str, list[Symbol]] = {}
    for symbol in sorted(lifted):
        by_name.setdefault(symbol[1], []).append(symbol)
    names: dict[Symbol, str] = {}
    for name, symbols in by_name.items():
        if len(symbols) == 1:
            names[symbols[0]] = name
            continue
        paths = [symbol[0].split(".") for symbol in symbols]
        for depth in range(1, max(map(len, paths)) + 1):
            prefixes = [
                "".join(part.title().replace("_", "") for part in p[-depth:]) for p in paths
            ]
            if len(set(prefixes)) == len(prefixes):
                break
        for symbol, prefix in zip(symbols, prefixes, strict=True):
            names[symbol] = f"{prefix}{name}"
    taken: set[str] = set()
    for symbol in sorted(names):  # a prefixed name may equal another class's own name
        unique, suffix = names[symbol], 1
        while unique in taken:
            suffix += 1
            unique = f"{names[symbol]}_{suffix}"
        names[symbol] = unique
        taken.add(unique)
    return names


def allocate_imports(lifted: Mapping[Symbol, Lifted], taken: set[str]) -> dict[External, str]:
    externals = sorted(
        {
            target
            for item in lifted.values()
            for _, target in item.targets
            if isinstance(target, External)
        },
        key=lambda e: (e.bound, e.module, e.name or ""),
    )
    bound: dict[External, str] = {}
    owners: dict[str, tuple[str, str | None]] = {}
    for external in externals:
        name, suffix = external.bound, 1
        while name in taken or owners.get(name, (external.module, external.name)) != (
            external.module,
            external.name,
        ):
            suffix += 1
            name = f"{external.bound}_{suffix}"
        owners[name] = (external.module, external.name)
        bound[external] = name
    return bound


def import_lines(imports: Mapping[External, str]) -> list[str]:
    plain: set[str] = set()
    grouped: dict[str, set[str]] = {}
    for external, name in imports.items():
        if external.name is None:
            top = external.module.split(".")[0]
            plain.add(f"import {external.module}" + ("" if name == top else f" as {name}"))
        else:
            alias = "" if name == external.name else f" as {name}"
            grouped.setdefault(external.module, set()).add(f"{external.name}{alias}")
    lines = sorted(plain)
    lines += [
        f"from {module} import {', '.join(sorted(grouped[module]))}" for module in sorted(grouped)
    ]
    return lines


def rewrite(
    lifted: Lifted, new_name: str, names: Mapping[Symbol, str], imports: Mapping[External, str]
) -> str:
    """The statement's source, with its own name and every use renamed."""
    replacements: dict[int, list[Callable[[cst.CSTNode], cst.CSTNode]]] = {}
    for use, target in lifted.targets:
        new = names[target] if isinstance(target, tuple) else imports[target]
        keep_attribute = not isinstance(target, tuple)
        replacements.setdefault(id(use.node), []).append(
            _replacement(use, new, keep_attribute=keep_attribute)
        )
    statement = lifted.statement.visit(Rewrite(replacements, lifted.statement, new_name))
    assert isinstance(statement, cst.BaseStatement)
    leading = [line for line in getattr(statement, "leading_lines", ()) if line.comment]
    statement = statement.with_changes(leading_lines=leading)
    return lifted.source.module.code_for_node(statement).strip("\n")
