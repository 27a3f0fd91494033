"""Render: the IR through jinja2 templates (one per output file), checked and formatted.

Invalid Python never reaches disk: every rendered file is compiled first. Output is then
formatted (``format.py``), so generated code reads like hand-written code.
"""

from __future__ import annotations

import ast
import json
import re
from functools import cache
from pathlib import Path

import jinja2

from runner_gen.generator.ir import (
    And,
    AppIR,
    Attr,
    Await,
    Branch,
    Call,
    Callee,
    Const,
    Contains,
    Declare,
    Dict,
    Do,
    Expr,
    IfElse,
    Index,
    IsNotNone,
    Key,
    Ref,
    Statement,
    TaskFactory,
    Tuple,
    WiringModule,
)
from runner_gen.generator.problems import BuildError, Problem

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["py"] = python_literal
    env.filters["pytuple"] = python_tuple
    env.filters["expr"] = expression
    env.filters["lines"] = statement_lines
    env.filters["natural_sort"] = natural_sort
    env.filters["scoped_body"] = scoped_body
    return env


def python_literal(value: object) -> str:
    """A Python literal for a string or number from definitions (never pasted raw)."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool | int | float) or value is None:
        return repr(value)
    raise TypeError(f"no literal for {type(value).__name__}")  # pragma: no cover


def natural_sort(names: list[str]) -> list[str]:
    """``a2`` before ``a10``, as ruff's RUF023 sorts ``__slots__``."""
    return sorted(
        names, key=lambda name: [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]
    )


def python_tuple(items: list[str]) -> str:
    """A tuple literal of expressions (already Python), ``(a,)`` for one item."""
    items = list(items)
    if len(items) == 1:
        return f"({items[0]},)"
    return f"({', '.join(items)})"


def expression(value: Expr) -> str:
    """Python source for an IR expression."""
    match value:
        case Ref(name):
            return name
        case Const(constant):
            return python_literal(constant)
        case Attr(base, attr):
            return f"{_operand(base)}.{attr}"
        case Index(base, index):
            return f"{_operand(base)}[{index}]"
        case Key(base, key):
            return f"{_operand(base)}[{python_literal(key)}]"
        case Contains(key, container):
            return f"{python_literal(key)} in {expression(container)}"
        case IsNotNone(inner):
            return f"{expression(inner)} is not None"
        case IfElse(then, condition, otherwise):
            return f"{expression(then)} if {expression(condition)} else {expression(otherwise)}"
        case And(left, right):
            return f"{expression(left)} and {expression(right)}"
        case Call(function, args, kwargs):
            arguments = [expression(a) for a in args]
            arguments += [f"{name}={expression(v)}" for name, v in kwargs]
            return f"{_operand(function)}({', '.join(arguments)})"
        case Await(inner):
            return f"await {expression(inner)}"
        case Tuple(items):
            return python_tuple([expression(item) for item in items])
        case Dict(items):
            pairs = ", ".join(f"{expression(k)}: {expression(v)}" for k, v in items)
            return f"{{{pairs}}}"
    raise TypeError(f"not an expression: {value!r}")  # pragma: no cover


def statement_lines(statement: Statement) -> list[str]:
    """The source lines of one statement of start() (a branch indents its body)."""
    if isinstance(statement, Branch):
        lines = [f"if {expression(statement.condition)}:"]
        lines += [f"    {line}" for inner in statement.then for line in statement_lines(inner)]
        if statement.otherwise:
            lines.append("else:")
            lines += [
                f"    {line}" for inner in statement.otherwise for line in statement_lines(inner)
            ]
        return lines
    if isinstance(statement, Do):
        return [expression(statement.value)]
    if isinstance(statement, Declare):
        return [f"{statement.target}: {statement.type}"]
    annotation = f": {statement.type}" if statement.type else ""
    target = statement.target
    if isinstance(target, tuple):
        target = ", ".join(target)
    return [f"{target}{annotation} = {expression(statement.value)}"]


def scoped_body(factory: TaskFactory) -> list[str]:
    """The body of a run function that creates its call-scoped resources first (dependencies
    first) and disposes them in reverse when the call ends, error or cancellation included."""
    lines: list[str] = []
    closing: list[tuple[int, str]] = []  # (indent, dispose line), innermost last
    indent = 0
    for value in factory.scoped:
        created = "None" if value.init is None else _awaited(value.init)
        lines.append(f"{'    ' * indent}{value.local} = {created}")
        if value.dispose is not None:
            lines.append(f"{'    ' * indent}try:")
            closing.append((indent, _awaited(value.dispose)))
            indent += 1
    lines.append(f"{'    ' * indent}return {_awaited(factory.run)}")
    for level, dispose in reversed(closing):
        lines.append(f"{'    ' * level}finally:")
        lines.append(f"{'    ' * (level + 1)}{dispose}")
    return lines


def _awaited(callee: Callee) -> str:
    text = expression(callee.call)
    return f"await {text}" if callee.is_async else text


def _operand(value: Expr) -> str:
    text = expression(value)
    return f"({text})" if isinstance(value, Await | Contains | And | IsNotNone | IfElse) else text


def render_app(app: AppIR) -> dict[str, str]:
    """File name -> content for the app's generated package (before formatting)."""
    wiring = app.wiring
    files = {
        "__init__.py": _render("package_init.py.jinja", wiring),
        "wiring.py": _render("wiring.py.jinja", wiring),
        "py.typed": "",
    }
    if app.exposure is not None:
        files["exposure.py"] = _render("exposure.py.jinja", wiring, module=app.exposure)
    if app.client is not None:
        files["client.py"] = _render("client.py.jinja", wiring, module=app.client)
    # Not parsed here: formatting parses every module (a 10,000-definition wiring is 200,000
    # lines), and a module ruff cannot parse is reported as a generator bug.
    return files


def _render(template: str, wiring: WiringModule, **extra: object) -> str:
    return render_template(template, w=wiring, version=wiring.version, spec=wiring.spec, **extra)


def render_template(template: str, **context: object) -> str:
    """One template rendered and tidied (before formatting)."""
    return _tidy(environment().get_template(template).render(**context))


_BLANK_RUNS = re.compile(r"\n{3,}(?=[ \t]+\S)")  # inside blocks: at most one blank line
_TOP_BLANK_RUNS = re.compile(r"\n{4,}")


def _tidy(text: str) -> str:
    text = "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
    text = _BLANK_RUNS.sub("\n\n", text)
    return _TOP_BLANK_RUNS.sub("\n\n\n", text)


def ensure_valid(module: str, text: str) -> None:
    try:
        ast.parse(text, filename=module)
    except SyntaxError as error:  # pragma: no cover - a generator bug, not user input
        raise BuildError(
            [
                Problem(
                    "generator_bug",
                    f"rendering {module} produced invalid Python: {error}",
                    remediation="Please report this with your definitions.",
                )
            ]
        ) from None
