"""The text of the synthetic definition modules: shared types, a module header, and the
20-definition block that mixed apps repeat (see ``_scaling_apps``)."""

from __future__ import annotations

BLOCK = 20  # definitions a block

MODELS = '''"""Types the synthetic definitions use."""

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

HEADER = """from __future__ import annotations

from collections.abc import Awaitable, Callable

from runner_gen import AsyncContext, Emission, Emit, TaskCall, globals, r
from {package}.models import Conn, Limits, Order, Payload, RequestInfo, Route
"""

CONTEXT = 'request = r.async_context("scale.request").schema(RequestInfo).build()\n'

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

NAMES = (
    *("a", "b", "c", "d", "e", "f", "plain_mw", "limit_mw", "changed", "audit_hook"),
    *("notify_hook", "route", "get_task", "save_task", "fetch_task", "place_task"),
    *("count_task", "twice_task", "whoami_task", "summary_task"),
)
assert len(NAMES) == BLOCK


def block_text(i: int) -> str:
    """Block ``i``; its `c` needs the previous block's (imported when in another module)."""
    if i == 0:
        return _BLOCK.format(i=i, prev_param="", prev_dep="")
    return _BLOCK.format(i=i, prev_param=", prev: Conn", prev_dep=f", prev=c_{i - 1}")
