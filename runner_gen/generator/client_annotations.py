"""The names in a task's or event's type annotation, retargeted for a standalone client.

An annotation is the user's text (``list[Payment] | None``, ``models.Shipment.Window``) plus
the imports of its head names. ``local_target`` says which project-local definition a name
means (following ``import a.b``, ``import a.b as m`` and ``from a import module``);
``rewrite_names`` replaces each name (or dotted path through an imported module) with what the
client module calls it.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Mapping

import libcst as cst

from runner_gen.generator.annotations import Annotation, TypeImport
from runner_gen.generator.client_types import is_module


def local_target(
    imported: TypeImport, parts: list[str], is_local: Callable[[str], bool]
) -> tuple[str, str, tuple[str, ...]] | None:
    """(module, name, attribute tail) of the project-local definition that the annotation
    name ``parts`` (``Payment``, or ``models.Payment.Kind`` through an imported module) means;
    None when it is not the project's own."""
    if imported.name is not None and not is_module(imported.module, imported.name):
        if not is_local(imported.module):
            return None
        return imported.module, imported.name, tuple(parts[1:])
    if imported.name is not None:  # `from package import module`
        base = f"{imported.module}.{imported.name}"
    elif imported.local == imported.module.split(".")[0]:  # `import a.b` binds `a`
        base = imported.local
    else:  # `import a.b as m`
        base = imported.module
    absolute = [*base.split("."), *parts[1:]]
    split = len(absolute) - 1  # the longest module prefix: `models.Shipment.Window` -> `models`
    while split > len(base.split(".")) and not _is_importable(".".join(absolute[:split])):
        split -= 1
    module = ".".join(absolute[:split])
    if not is_local(module):
        return None
    return module, absolute[split], tuple(absolute[split + 1 :])


def _is_importable(module: str) -> bool:
    try:
        return module in sys.modules or importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a prefix that is a module, not a package
        return False


def rewrite_names(annotation: Annotation, retarget: Callable[[TypeImport, list[str]], str]) -> str:
    """The annotation's text with each imported name (``Payment``) and each dotted name through
    an imported module (``models.Payment``) replaced by ``retarget(import, parts)``."""
    heads = {imported.local: imported for imported in annotation.imports}
    if not heads:
        return annotation.text
    expression = cst.parse_expression(annotation.text)
    renamed = expression.visit(_Retarget(heads, retarget))
    assert isinstance(renamed, cst.BaseExpression)
    return cst.Module(body=[]).code_for_node(renamed)


class _Retarget(cst.CSTTransformer):
    def __init__(
        self,
        heads: Mapping[str, TypeImport],
        retarget: Callable[[TypeImport, list[str]], str],
    ) -> None:
        self.heads = heads
        self.retarget = retarget
        self.chains: dict[int, cst.BaseExpression] = {}

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        parts = _dotted_parts(node)
        if parts is None or parts[0] not in self.heads:
            return True
        self.chains[id(node)] = cst.parse_expression(self.retarget(self.heads[parts[0]], parts))
        return False

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        chain = self.chains.get(id(original_node))
        if chain is not None:
            return chain
        return updated_node.with_changes(attr=original_node.attr)  # only heads are bindings

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        imported = self.heads.get(original_node.value)
        if imported is None:
            return updated_node
        return cst.parse_expression(self.retarget(imported, [original_node.value]))


def _dotted_parts(node: cst.BaseExpression) -> list[str] | None:
    if isinstance(node, cst.Name):
        return [node.value]
    if isinstance(node, cst.Attribute):
        base = _dotted_parts(node.value)
        return None if base is None else [*base, node.attr.value]
    return None
