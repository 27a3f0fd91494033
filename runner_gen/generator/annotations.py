"""Read the signatures of user functions from their source with libcst.

The generated code says exactly what the user wrote in annotations (generics, aliases), with
each name imported from where it really lives, so ``mypy --strict`` checks every wire. Only
module-level functions can be wired, so names in their annotations are module-level names:
a table of the module's top-level bindings resolves them without a full scope analysis.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import libcst as cst

from runner_gen.definitions.source import Source


@dataclass(frozen=True, slots=True, order=True)
class TypeImport:
    """How the generated file binds ``local`` (a head name of an annotation)."""

    module: str  # "a.b" for `from a.b import C`, or the module itself for `import a.b`
    name: str | None  # "C", or None for `import module`
    local: str

    def statement(self) -> str:
        if self.name is None:
            if self.local == self.module.split(".")[0] and "." in self.module:
                return f"import {self.module}"
            return f"import {self.module}" + (
                "" if self.local == self.module else f" as {self.local}"
            )
        alias = "" if self.local == self.name else f" as {self.local}"
        return f"from {self.module} import {self.name}{alias}"


@dataclass(frozen=True, slots=True)
class Annotation:
    """An annotation as written, plus the imports its head names need."""

    text: str
    imports: tuple[TypeImport, ...]


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    annotation: Annotation | None
    has_default: bool


@dataclass(frozen=True, slots=True)
class Signature:
    module: str
    name: str
    source: Source
    is_async: bool
    positional: tuple[Param, ...]
    keyword: tuple[Param, ...]
    returns: Annotation | None
    var_keyword: bool

    @property
    def keyword_names(self) -> tuple[str, ...]:
        return tuple(param.name for param in self.keyword)


class SignatureError(Exception):
    def __init__(self, message: str, source: Source, remediation: str | None = None) -> None:
        super().__init__(message)
        self.source = source
        self.remediation = remediation


class SignatureReader:
    """Parses each source file once and answers signature questions about its functions."""

    def __init__(self) -> None:
        self._files: dict[str, _ParsedFile] = {}

    def read(self, fn: Callable[..., Any], what: str) -> Signature:
        code = getattr(fn, "__code__", None)
        module_name = getattr(fn, "__module__", None)
        qualname = getattr(fn, "__qualname__", "")
        if code is None or module_name is None:
            raise SignatureError(
                f"{what} is not a Python function ({fn!r})",
                Source("<unknown>", 0),
                "Pass a function defined with def or async def at module level.",
            )
        source = Source(code.co_filename, code.co_firstlineno)
        if "." in qualname or qualname == "<lambda>":
            raise SignatureError(
                f"{what} {qualname!r} is not a module-level function, so generated code "
                "cannot import it",
                source,
                "Define it with def/async def at the top level of a module.",
            )
        parsed = self._parse(code.co_filename, module_name)
        node = parsed.functions.get(qualname)
        if node is None:
            raise SignatureError(f"{what} {qualname!r} was not found in its source file", source)
        return parsed.signature(node, qualname, source)

    def _parse(self, file: str, module_name: str) -> _ParsedFile:
        parsed = self._files.get(file)
        if parsed is None:
            text = Path(file).read_text(encoding="utf-8")
            parsed = _ParsedFile(text, module_name, _package_of(module_name))
            self._files[file] = parsed
        return parsed


def _package_of(module_name: str) -> str:
    module = sys.modules.get(module_name)
    package = getattr(module, "__package__", None)
    if package is not None:
        return str(package)
    return module_name.rpartition(".")[0]


_BUILTINS = frozenset(dir(builtins))


@dataclass(frozen=True, slots=True)
class _Binding:
    module: str
    name: str | None


class _ParsedFile:
    """A module's top-level bindings (read with ``ast``: a definitions module can hold
    thousands of definitions, and only the wired functions' headers need libcst) and the
    position of each module-level function."""

    def __init__(self, text: str, module_name: str, package: str) -> None:
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.module_name = module_name
        self.package = package
        self.bindings: dict[str, _Binding] = {}
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self._collect(ast.parse(text).body)

    def _collect(self, body: list[ast.stmt]) -> None:
        for statement in body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
                self.functions[statement.name] = statement
                self._bind_local(statement.name)
            elif isinstance(statement, ast.ClassDef):
                self._bind_local(statement.name)
            elif isinstance(statement, ast.If):
                self._collect(statement.body)
                self._collect(statement.orelse)
            elif isinstance(statement, ast.Try):
                self._collect(statement.body)
                for handler in statement.handlers:
                    self._collect(handler.body)
            elif isinstance(statement, ast.Import):
                for alias in statement.names:
                    if alias.asname is not None:
                        self.bindings[alias.asname] = _Binding(alias.name, None)
                    else:
                        self.bindings[alias.name.split(".")[0]] = _Binding(alias.name, None)
            elif isinstance(statement, ast.ImportFrom):
                base = self._absolute(statement)
                for alias in statement.names:
                    if alias.name != "*":
                        self.bindings[alias.asname or alias.name] = _Binding(base, alias.name)
            elif isinstance(statement, ast.Assign):
                for target in statement.targets:
                    if isinstance(target, ast.Name):
                        self._bind_local(target.id)
            elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                self._bind_local(statement.target.id)
            elif type(statement).__name__ == "TypeAlias":  # pragma: no cover - Python 3.12
                self._bind_local(statement.name.id)  # type: ignore[attr-defined]

    def _bind_local(self, name: str) -> None:
        self.bindings[name] = _Binding(self.module_name, name)

    def _absolute(self, node: ast.ImportFrom) -> str:
        module = node.module or ""
        dots = node.level
        if dots == 0:
            return module
        parts = self.package.split(".") if self.package else []
        base = parts[: len(parts) - (dots - 1)] if dots > 1 else parts
        return ".".join([*base, module] if module else base)

    def header(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> cst.FunctionDef:
        """The function's ``def`` line(s), up to its body, parsed with libcst."""
        first = node.body[0]
        lines = self.lines[node.lineno - 1 : first.lineno - 1]
        body_line = self.lines[first.lineno - 1].encode()
        lines.append(body_line[: first.col_offset].decode())
        text = "".join(lines).rstrip() + "\n    ...\n"
        statement = cst.parse_module(text).body[0]
        assert isinstance(statement, cst.FunctionDef)  # we cut it at a function's body
        return statement

    def signature(
        self, found: ast.FunctionDef | ast.AsyncFunctionDef, name: str, source: Source
    ) -> Signature:
        node = self.header(found)
        params = node.params
        positional = tuple(self._param(p, source) for p in (*params.posonly_params, *params.params))
        keyword = tuple(self._param(p, source) for p in params.kwonly_params)
        if isinstance(params.star_arg, cst.Param):
            raise SignatureError(
                f"function {name!r} takes *{params.star_arg.name.value}; wired functions take "
                "their input/config positionally and dependencies as keyword-only parameters",
                source,
            )
        returns = self._annotation(node.returns, source) if node.returns is not None else None
        return Signature(
            module=self.module_name,
            name=name,
            source=source,
            is_async=node.asynchronous is not None,
            positional=positional,
            keyword=keyword,
            returns=returns,
            var_keyword=params.star_kwarg is not None,
        )

    def _param(self, param: cst.Param, source: Source) -> Param:
        annotation = self._annotation(param.annotation, source) if param.annotation else None
        return Param(param.name.value, annotation, param.default is not None)

    def _annotation(self, annotation: cst.Annotation, source: Source) -> Annotation:
        expression = annotation.annotation
        if isinstance(expression, cst.SimpleString):
            quoted = expression.value
            try:
                expression = cst.parse_expression(str(expression.evaluated_value))
            except cst.ParserSyntaxError:
                raise SignatureError(
                    f"string annotation {quoted} is not a valid expression", source
                ) from None
            text = _CODE.code_for_node(expression)
        else:
            text = _CODE.code_for_node(expression)
        imports: list[TypeImport] = []
        for head in _head_names(expression):
            binding = self.bindings.get(head)
            if binding is None:
                if head in _BUILTINS:
                    continue
                raise SignatureError(
                    f"cannot resolve {head!r} in the annotation {text!r}",
                    source,
                    "Annotations of wired functions may use builtins and names imported or "
                    "defined at module level.",
                )
            imports.append(TypeImport(binding.module, binding.name, head))
        return Annotation(text, tuple(sorted(set(imports))))


_CODE = cst.Module(body=[])  # renders a node as source text


def _head_names(expression: cst.BaseExpression) -> list[str]:
    """Names an annotation starts from (``a`` in ``a.b.C``), skipping attribute tails."""
    heads: list[str] = []

    class Visitor(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> bool:
            node.value.visit(self)
            return False

        def visit_Subscript(self, node: cst.Subscript) -> bool:
            # Strings inside Literal[...] are values, not forward references.
            value = node.value
            last = value.attr.value if isinstance(value, cst.Attribute) else None
            if (isinstance(value, cst.Name) and value.value == "Literal") or last == "Literal":
                value.visit(self)
                return False
            return True

        def visit_Name(self, node: cst.Name) -> None:
            heads.append(node.value)

        def visit_SimpleString(self, node: cst.SimpleString) -> None:
            value = node.evaluated_value
            if isinstance(value, str):
                with contextlib.suppress(cst.ParserSyntaxError):
                    heads.extend(_head_names(cst.parse_expression(value)))

    expression.visit(Visitor())
    return list(dict.fromkeys(heads))
