"""Read the signatures of user functions from their source: their structure with ``ast``, each
annotation with libcst.

The generated code says exactly what the user wrote in annotations (generics, aliases), with
each name imported from where it really lives, so ``mypy --strict`` checks every wire. Only
module-level functions can be wired, so names in their annotations are module-level names:
a table of the module's top-level bindings resolves them without a full scope analysis.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import functools
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
    """A module's top-level bindings and module-level functions, read with ``ast`` (a
    definitions module can hold thousands of definitions); only annotations are read with
    libcst, each distinct text once."""

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

    def signature(
        self, found: ast.FunctionDef | ast.AsyncFunctionDef, name: str, source: Source
    ) -> Signature:
        arguments = found.args
        if arguments.vararg is not None:
            raise SignatureError(
                f"function {name!r} takes *{arguments.vararg.arg}; wired functions take "
                "their input/config positionally and dependencies as keyword-only parameters",
                source,
            )
        ordered = (*arguments.posonlyargs, *arguments.args)
        # Positional defaults belong to the last parameters; keyword ones are None when absent.
        first_default = len(ordered) - len(arguments.defaults)
        positional = tuple(
            self._param(arg, index >= first_default, source) for index, arg in enumerate(ordered)
        )
        keyword = tuple(
            self._param(arg, default is not None, source)
            for arg, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
        )
        returns = self._annotation(found.returns, source) if found.returns is not None else None
        return Signature(
            module=self.module_name,
            name=name,
            source=source,
            is_async=isinstance(found, ast.AsyncFunctionDef),
            positional=positional,
            keyword=keyword,
            returns=returns,
            var_keyword=arguments.kwarg is not None,
        )

    def _param(self, arg: ast.arg, has_default: bool, source: Source) -> Param:
        annotation = self._annotation(arg.annotation, source) if arg.annotation else None
        return Param(arg.arg, annotation, has_default)

    def _annotation(self, node: ast.expr, source: Source) -> Annotation:
        written = self._segment(node)
        try:
            text, heads = _read_annotation(written)
        except cst.ParserSyntaxError:
            what = "string annotation" if isinstance(node, ast.Constant) else "annotation"
            raise SignatureError(f"{what} {written} is not a valid expression", source) from None
        imports: list[TypeImport] = []
        for head in heads:
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

    def _segment(self, node: ast.expr) -> str:
        """The source text of ``node``; ast's offsets count UTF-8 bytes."""
        assert node.end_lineno is not None
        assert node.end_col_offset is not None
        first, last = node.lineno - 1, node.end_lineno - 1
        if first == last:
            return self.lines[first].encode()[node.col_offset : node.end_col_offset].decode()
        head = self.lines[first].encode()[node.col_offset :].decode()
        tail = self.lines[last].encode()[: node.end_col_offset].decode()
        return head + "".join(self.lines[first + 1 : last]) + tail


@functools.lru_cache(maxsize=8192)
def _read_annotation(written: str) -> tuple[str, tuple[str, ...]]:
    """An annotation's text, as libcst renders it (a string annotation unquoted), and its head
    names. Cached by text: the same few annotations recur across thousands of functions."""
    expression = cst.parse_expression(written)
    if isinstance(expression, cst.SimpleString):
        expression = cst.parse_expression(str(expression.evaluated_value))
    return _CODE.code_for_node(expression), tuple(_head_names(expression))


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
