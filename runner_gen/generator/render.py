"""Render: the plan through jinja2 templates (one per output file), then parse the result.

Invalid Python never reaches disk: every rendered file is parsed with libcst first.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import jinja2
import libcst as cst

from runner_gen.generator.ir import AppPlan
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
    env.filters["kwarg"] = lambda kwarg: f"{kwarg.name}={kwarg.value}"
    env.filters["pytuple"] = python_tuple
    return env


def python_literal(value: object) -> str:
    """A Python literal for a string or number from definitions (never pasted raw)."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool | int | float) or value is None:
        return repr(value)
    raise TypeError(f"no literal for {type(value).__name__}")  # pragma: no cover


def python_tuple(items: list[str]) -> str:
    """A tuple literal of expressions (already Python), ``(a,)`` for one item."""
    items = list(items)
    if len(items) == 1:
        return f"({items[0]},)"
    return f"({', '.join(items)})"


def render_app(plan: AppPlan) -> dict[str, str]:
    """File name -> content for the app's generated package."""
    files = {
        "__init__.py": _render("package_init.py.jinja", plan),
        "wiring.py": _render("wiring.py.jinja", plan),
        "py.typed": "",
    }
    if plan.exposure_module is not None:
        files["exposure.py"] = _render("exposure.py.jinja", plan, module=plan.exposure_module)
    if plan.client_module is not None:
        files["client.py"] = _render("client.py.jinja", plan, module=plan.client_module)
    for name, text in files.items():
        if name.endswith(".py"):
            _ensure_valid(name, text, plan)
    return files


def _render(template: str, plan: AppPlan, **extra: object) -> str:
    text = (
        environment()
        .get_template(template)
        .render(plan=plan, version=plan.version, spec=plan.spec, **extra)
    )
    return _tidy(text)


_BLANK_RUNS = re.compile(r"\n{3,}(?=[ \t]+\S)")  # inside blocks: at most one blank line
_TOP_BLANK_RUNS = re.compile(r"\n{4,}")


def _tidy(text: str) -> str:
    text = "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
    text = _BLANK_RUNS.sub("\n\n", text)
    return _TOP_BLANK_RUNS.sub("\n\n\n", text)


def _ensure_valid(name: str, text: str, plan: AppPlan) -> None:
    try:
        cst.parse_module(text)
    except cst.ParserSyntaxError as error:  # pragma: no cover - a generator bug, not user input
        raise BuildError(
            [
                Problem(
                    "generator_bug",
                    f"rendering {plan.package}.{name[:-3]} produced invalid Python: {error}",
                    remediation="Please report this with your definitions.",
                )
            ]
        ) from None
