"""Synthetic projects for the scaling benchmark, written as real definition modules.

Two shapes:

- a *mixed* app of N definitions, made of 20-definition blocks (6 resources with init, dispose
  and dependencies, 2 custom task middleware with and without config, an event with 2 ordered
  hooks, a tag, 8 tasks with built-in and custom middleware, task and context dependencies),
  plus one shared async context; written either over many modules (``split``, ~240 definitions
  a module, how real apps grow) or into one big module (``single``, to expose per-module costs);
- a *resources* app of N resources (init for every one, dispose for two in three, each needing
  its parent in a binary tree), with a hand-written equivalent: straight-line init, then the
  disposers in reverse, which is what generated ``start()`` + ``dispose()`` competes with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from benchmarks._scaling_templates import BLOCK, CONTEXT, HEADER, MODELS, NAMES, block_text

BLOCKS_PER_MODULE = 12  # ~240 definitions a module in the split layout
MIXED_PACKAGE = "scaleapp"
SINGLE_PACKAGE = "scaleone"
RESOURCES_PACKAGE = "scalestart"


@dataclass(frozen=True)
class MixedApp:
    """Where a mixed app was written and how to reach it."""

    definitions: int
    package: str
    modules: tuple[str, ...]  # the definition modules, in import order

    @property
    def root(self) -> str:
        return f"{self.package}.app:app" if len(self.modules) > 1 else f"{self.modules[0]}:app"

    @property
    def generated(self) -> str:
        return f"{self.package}.generated"


def blocks_for(definitions: int) -> int:
    return max(1, round((definitions - 1) / BLOCK))


def write_mixed(root: Path, definitions: int, *, single: bool) -> MixedApp:
    """Write a mixed app of about ``definitions`` definitions under ``root``."""
    blocks = blocks_for(definitions)
    package = SINGLE_PACKAGE if single else MIXED_PACKAGE
    directory = root / package
    directory.mkdir(parents=True)
    (directory / "__init__.py").write_text("")
    (directory / "models.py").write_text(MODELS)
    header = HEADER.format(package=package)
    if single:
        text = header + "\n" + CONTEXT + "".join(block_text(i) for i in range(blocks))
        members = ", ".join(f"{name}_{i}" for i in range(blocks) for name in NAMES)
        text += f'\n\napp = r.resource("scale").register(request, {members}).build()\n'
        (directory / "defs.py").write_text(text)
        modules: tuple[str, ...] = (f"{package}.defs",)
    else:
        count = min(blocks, max(2, math.ceil(blocks / BLOCKS_PER_MODULE)))
        chunks = [range(m * blocks // count, (m + 1) * blocks // count) for m in range(count)]
        modules = tuple(f"{package}.defs_{m:03d}" for m in range(count))
        (directory / "shared.py").write_text(
            f"from __future__ import annotations\n\nfrom runner_gen import r\n"
            f"from {package}.models import RequestInfo\n\n{CONTEXT}"
        )
        for m, chunk in enumerate(chunks):
            imports = f"from {package}.shared import request\n"
            if m > 0:
                imports += f"from {modules[m - 1]} import c_{chunk[0] - 1}\n"
            body = "".join(block_text(i) for i in chunk)
            names = ", ".join(f"{name}_{i}" for i in chunk for name in NAMES)
            all_line = f"\n\nALL = ({names},)\n"
            (directory / f"defs_{m:03d}.py").write_text(header + imports + body + all_line)
        app_lines = [
            "from __future__ import annotations",
            "",
            "from runner_gen import r",
            f"from {package} import {', '.join(name.rpartition('.')[2] for name in modules)}",
            f"from {package}.shared import request",
            "",
            'app = r.resource("scale").register(',
            "    request,",
            *(f"    *{name.rpartition('.')[2]}.ALL," for name in modules),
            ").build()",
        ]
        (directory / "app.py").write_text("\n".join(app_lines) + "\n")
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "{package}"\nversion = "0"\n\n[tool.runner-gen]\n'
        f'apps = [{{ root = "{MixedApp(0, package, modules).root}", '
        f'package = "{package}.generated" }}]\n'
    )
    return MixedApp(blocks * BLOCK + 1, package, modules)


# -- resources-only app and its hand-written twin -------------------------------------------


def write_resources(root: Path, count: int) -> str:
    """Write ``count`` resources and ``hand.py``; return the package name."""
    package = f"{RESOURCES_PACKAGE}{count}"
    directory = root / package
    directory.mkdir(parents=True)
    (directory / "__init__.py").write_text("")
    lines = [
        "from __future__ import annotations",
        "",
        "from runner_gen import r",
        "",
        "",
        "class Value:",
        '    __slots__ = ("index", "open")',
        "",
        "    def __init__(self, index: int) -> None:",
        "        self.index = index",
        "        self.open = True",
        "",
    ]
    hand = [
        '"""Hand-written start + dispose of the same resources: straight-line code."""',
        "",
        "from __future__ import annotations",
        "",
        f"from {package}.defs import (",
        *(f"    open_{i}," for i in range(count)),
        *(f"    close_{i}," for i in range(count) if _disposes(i)),
        ")",
        "",
        "",
        "async def start_and_dispose() -> None:",
    ]
    for i in range(count):
        parent = (i - 1) // 2
        needs = "*, parent: Value" if i else ""
        lines += ["", f"async def open_{i}({needs}) -> Value:", f"    return Value({i})", ""]
        chain = f'r.resource("start.r{i}")'
        if i:
            chain += f".dependencies(parent=r{parent})"
        chain += f".init(open_{i})"
        if _disposes(i):
            lines += ["", f"async def close_{i}(value: Value) -> None:", "    value.open = False"]
            lines.append("")
            chain += f".dispose(close_{i})"
        lines.append(f"r{i} = {chain}.build()")
        call = f"open_{i}(parent=v{parent})" if i else f"open_{i}()"
        hand.append(f"    v{i} = await {call}")
    hand += [f"    await close_{i}(v{i})" for i in reversed(range(count)) if _disposes(i)]
    members = ", ".join(f"r{i}" for i in range(count))
    lines += ["", "", f'app = r.resource("start").register({members}).build()']
    (directory / "defs.py").write_text("\n".join(lines) + "\n")
    (directory / "hand.py").write_text("\n".join(hand) + "\n")
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "{package}"\nversion = "0"\n\n[tool.runner-gen]\n'
        f'apps = [{{ root = "{package}.defs:app", package = "{package}.generated" }}]\n'
    )
    return package


def _disposes(index: int) -> bool:
    return index % 3 != 2
