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

BLOCK = 20  # definitions a block
BLOCKS_PER_MODULE = 12  # ~240 definitions a module in the split layout
MIXED_PACKAGE = "scaleapp"
SINGLE_PACKAGE = "scaleone"
RESOURCES_PACKAGE = "scalestart"

_MODELS = '''"""Types the synthetic definitions use."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Conn:
    name: str
    open: bool = True


@dataclass
class Payload:
    id: int
    text: str


@dataclass
class Order:
    id: int
    qty: int


@dataclass
class Limits:
    max_qty: int = 100


@dataclass
class Route:
    path: str


@dataclass
class RequestInfo:
    request_id: str
'''

_HEADER = """from __future__ import annotations

from collections.abc import Awaitable, Callable

from runner_gen import AsyncContext, Emission, Emit, TaskCall, globals, r
from {package}.models import Conn, Limits, Order, Payload, RequestInfo, Route
"""

_CONTEXT = 'request = r.async_context("scale.request").schema(RequestInfo).build()\n'

# One block; {i} is its index, {prev} the expression of the previous block's `c` resource.
_BLOCK = """

# -- block {i} --


def open_a_{i}() -> Conn:
    return Conn("a{i}")


async def close_a_{i}(value: Conn) -> None:
    value.open = False


a_{i} = r.resource("scale.b{i}.a").init(open_a_{i}).dispose(close_a_{i}).build()


async def open_b_{i}(*, a: Conn) -> Conn:
    return Conn(a.name + "b")


async def close_b_{i}(value: Conn) -> None:
    value.open = False


b_{i} = (
    r.resource("scale.b{i}.b")
    .dependencies(a=a_{i})
    .init(open_b_{i})
    .dispose(close_b_{i})
    .build()
)


async def open_c_{i}(*, b: Conn{prev_param}) -> Conn:
    return Conn(b.name + "c")


c_{i} = r.resource("scale.b{i}.c").dependencies(b=b_{i}{prev_dep}).init(open_c_{i}).build()


async def open_d_{i}(*, a: Conn) -> int:
    return len(a.name)


d_{i} = r.resource("scale.b{i}.d").dependencies(a=a_{i}).init(open_d_{i}).build()


async def open_e_{i}(*, c: Conn, d: int) -> Conn:
    return Conn(c.name * d)


async def close_e_{i}(value: Conn) -> None:
    value.open = False


e_{i} = (
    r.resource("scale.b{i}.e")
    .dependencies(c=c_{i}, d=d_{i})
    .init(open_e_{i})
    .dispose(close_e_{i})
    .build()
)


async def open_f_{i}(*, e: Conn) -> dict[str, int]:
    return {{"size": len(e.name)}}


f_{i} = r.resource("scale.b{i}.f").dependencies(e=e_{i}).init(open_f_{i}).build()


async def guard_{i}(call: TaskCall) -> object:
    return await call.next(call.input)


plain_mw_{i} = r.middleware.task("scale.b{i}.mw.plain").run(guard_{i}).build()


async def limit_{i}(call: TaskCall, config: Limits, *, a: Conn) -> object:
    if isinstance(call.input, Order) and call.input.qty > config.max_qty:
        raise ValueError(a.name)
    return await call.next(call.input)


limit_mw_{i} = (
    r.middleware.task("scale.b{i}.mw.limit")
    .config_schema(Limits)
    .dependencies(a=a_{i})
    .run(limit_{i})
    .build()
)

changed_{i} = r.event("scale.b{i}.changed").payload_schema(Payload).build()


async def audit_{i}(event: Emission[Payload], *, b: Conn) -> None:
    b.name = event.data.text


async def notify_{i}(event: Emission[Payload], *, e: Conn) -> None:
    e.open = event.data.id >= 0


audit_hook_{i} = (
    r.hook("scale.b{i}.hooks.audit")
    .on(changed_{i})
    .order(2)
    .dependencies(b=b_{i})
    .run(audit_{i})
    .build()
)
notify_hook_{i} = (
    r.hook("scale.b{i}.hooks.notify")
    .on(changed_{i})
    .order(1)
    .dependencies(e=e_{i})
    .run(notify_{i})
    .build()
)

route_{i} = r.tag("scale.b{i}.route").config_schema(Route).for_("tasks").build()


async def get_{i}(input: int, *, a: Conn) -> int:
    return input + len(a.name)


get_task_{i} = r.task("scale.b{i}.get").dependencies(a=a_{i}).run(get_{i}).build()


async def save_{i}(input: Payload, *, b: Conn, changed: Emit[Payload]) -> bool:
    await changed(input)
    return b.open


save_task_{i} = (
    r.task("scale.b{i}.save")
    .dependencies(b=b_{i}, changed=changed_{i})
    .middleware(plain_mw_{i})
    .run(save_{i})
    .build()
)


async def fetch_{i}(input: int, *, c: Conn) -> str:
    return c.name * input


fetch_task_{i} = (
    r.task("scale.b{i}.fetch")
    .dependencies(c=c_{i})
    .middleware(globals.middleware.task.retry.with_(retries=2))
    .run(fetch_{i})
    .build()
)


async def place_{i}(input: Order, *, d: int) -> int:
    return input.qty * d


place_task_{i} = (
    r.task("scale.b{i}.place")
    .dependencies(d=d_{i})
    .middleware(globals.middleware.task.timeout.with_(ttl=5000), limit_mw_{i}.with_(max_qty=10))
    .run(place_{i})
    .build()
)


async def count_{i}(*, e: Conn) -> int:
    return len(e.name)


count_task_{i} = (
    r.task("scale.b{i}.count")
    .dependencies(e=e_{i})
    .tags(route_{i}.with_(path="/b{i}/count"))
    .run(count_{i})
    .build()
)


async def twice_{i}(input: int, *, get: Callable[[int], Awaitable[int]]) -> int:
    return await get(await get(input))


twice_task_{i} = r.task("scale.b{i}.twice").dependencies(get=get_task_{i}).run(twice_{i}).build()


async def whoami_{i}(*, request: AsyncContext[RequestInfo]) -> str:
    info = request.try_use()
    return info.request_id if info is not None else "anonymous"


whoami_task_{i} = (
    r.task("scale.b{i}.whoami").dependencies(request=request).run(whoami_{i}).build()
)


async def summary_{i}(input: Order, *, f: dict[str, int], c: Conn) -> str:
    return f"{{c.name}}:{{f['size'] + input.qty}}"


summary_task_{i} = (
    r.task("scale.b{i}.summary")
    .dependencies(f=f_{i}, c=c_{i})
    .middleware(
        plain_mw_{i},
        limit_mw_{i}.with_(max_qty=5),
        globals.middleware.task.retry.with_(retries=1),
    )
    .tags(route_{i}.with_(path="/b{i}/summary"))
    .run(summary_{i})
    .build()
)
"""

_NAMES = (
    *("a", "b", "c", "d", "e", "f", "plain_mw", "limit_mw", "changed", "audit_hook"),
    *("notify_hook", "route", "get_task", "save_task", "fetch_task", "place_task"),
    *("count_task", "twice_task", "whoami_task", "summary_task"),
)
assert len(_NAMES) == BLOCK


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
    (directory / "models.py").write_text(_MODELS)
    header = _HEADER.format(package=package)
    if single:
        text = header + "\n" + _CONTEXT + "".join(_block(i) for i in range(blocks))
        members = ", ".join(f"{name}_{i}" for i in range(blocks) for name in _NAMES)
        text += f'\n\napp = r.resource("scale").register(request, {members}).build()\n'
        (directory / "defs.py").write_text(text)
        modules: tuple[str, ...] = (f"{package}.defs",)
    else:
        count = min(blocks, max(2, math.ceil(blocks / BLOCKS_PER_MODULE)))
        chunks = [range(m * blocks // count, (m + 1) * blocks // count) for m in range(count)]
        modules = tuple(f"{package}.defs_{m:03d}" for m in range(count))
        (directory / "shared.py").write_text(
            f"from __future__ import annotations\n\nfrom runner_gen import r\n"
            f"from {package}.models import RequestInfo\n\n{_CONTEXT}"
        )
        for m, chunk in enumerate(chunks):
            imports = f"from {package}.shared import request\n"
            if m > 0:
                imports += f"from {modules[m - 1]} import c_{chunk[0] - 1}\n"
            body = "".join(_block(i) for i in chunk)
            names = ", ".join(f"{name}_{i}" for i in chunk for name in _NAMES)
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


def _block(i: int) -> str:
    """Block ``i``; its `c` needs the previous block's (imported when in another module)."""
    if i == 0:
        return _BLOCK.format(i=i, prev_param="", prev_dep="")
    return _BLOCK.format(i=i, prev_param=", prev: Conn", prev_dep=f", prev=c_{i - 1}")


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
