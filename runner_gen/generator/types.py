"""Write a schema object (a class, or a builtin generic of classes) as an annotation."""

from __future__ import annotations

import types
import typing
from typing import Any

from runner_gen.generator.annotations import Annotation, TypeImport

_BUILTIN_MODULE = "builtins"


def type_annotation(schema: object) -> Annotation | None:
    """The annotation for ``schema`` with its imports, or None when it cannot be written."""
    imports: list[TypeImport] = []
    text = _write(schema, imports)
    if text is None:
        return None
    return Annotation(text, tuple(sorted(set(imports))))


def _write(schema: object, imports: list[TypeImport]) -> str | None:
    if schema is None or schema is type(None):
        return "None"
    if schema is Any:
        imports.append(TypeImport("typing", "Any", "Any"))
        return "Any"
    origin = typing.get_origin(schema)
    if origin is not None:
        return _write_generic(schema, origin, imports)
    if isinstance(schema, type):
        module, qualname = schema.__module__, schema.__qualname__
        if "<locals>" in qualname:
            return None
        if module == _BUILTIN_MODULE:
            return qualname
        head = qualname.split(".")[0]
        imports.append(TypeImport(module, head, head))
        return qualname
    return None


def _write_generic(schema: object, origin: object, imports: list[TypeImport]) -> str | None:
    args = typing.get_args(schema)
    if origin in (typing.Union, types.UnionType):
        parts = [_write(arg, imports) for arg in args]
        return None if None in parts else " | ".join(p for p in parts if p is not None)
    if origin is typing.Literal:
        return None
    head = _write(origin, imports)
    parts = [_write(arg, imports) for arg in args]
    if head is None or None in parts:
        return None
    return f"{head}[{', '.join(p for p in parts if p is not None)}]"
