"""Resources whose inits wait on a gate the test opens, for init_mode = "parallel".

``first`` and ``second`` need nothing, ``third`` needs ``first``: ``first`` and ``second``
start together, ``third`` once ``first`` is ready. Everything observable goes to ``EVENTS``;
``GATES`` holds the per-test gates (asyncio objects belong to one event loop).
"""

from __future__ import annotations

import asyncio

from runner_gen import r

EVENTS: list[str] = []
GATES: dict[str, asyncio.Event] = {}
FAIL: set[str] = set()  # the resources whose init raises once their gate opens


def reset(*names: str) -> None:
    EVENTS.clear()
    FAIL.clear()
    GATES.clear()
    for name in names:
        GATES[name] = asyncio.Event()


async def _open(name: str) -> str:
    EVENTS.append(f"start {name}")
    try:
        gate = GATES.get(name)
        if gate is not None:
            await gate.wait()
    except asyncio.CancelledError:
        EVENTS.append(f"cancelled {name}")
        raise
    if name in FAIL:
        EVENTS.append(f"failed {name}")
        raise RuntimeError(f"{name} failed")
    EVENTS.append(f"ready {name}")
    return name


async def open_first() -> str:
    return await _open("first")


async def open_second() -> str:
    return await _open("second")


async def open_third(*, first: str) -> str:
    assert first == "first"  # dependency order: its dependency is ready
    return await _open("third")


async def close_first(value: str) -> None:
    EVENTS.append("dispose first")


async def close_second(value: str) -> None:
    EVENTS.append("dispose second")


async def close_third(value: str) -> None:
    EVENTS.append("dispose third")


async def start_app(*, third: str, second: str) -> str:
    EVENTS.append("start root")
    return "ok"


first = r.resource("parallel.first").init(open_first).dispose(close_first).build()
second = r.resource("parallel.second").init(open_second).dispose(close_second).build()
third = (
    r.resource("parallel.third")
    .dependencies(first=first)
    .init(open_third)
    .dispose(close_third)
    .build()
)
app = (
    r.resource("parallel.app")
    .register(first, second, third)
    .dependencies(third=third, second=second)
    .init(start_app)
    .build()
)
