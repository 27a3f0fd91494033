"""Built-in middleware wired as a Runner 5.5 app would wire them (tests/parity/test_middleware.py).

Tasks record what they did in module-level ``STATE``; ``Gate`` holds a task until the test lets
it go, so concurrency is observed without sleeping.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from runner_gen import globals, r

task_mw = globals.middleware.task


@dataclass
class State:
    runs: dict[str, list[Any]] = field(default_factory=dict)
    active: int = 0
    max_active: int = 0
    gate: asyncio.Event | None = None
    keys: list[tuple[str, Any]] = field(default_factory=list)

    def record(self, task: str, input: Any) -> None:
        self.runs.setdefault(task, []).append(input)


STATE = State()


def reset() -> None:
    global STATE
    STATE = State()


# -- debounce / throttle: one burst per task, whatever the input ------------------------------


async def debounced(input: int) -> int:
    STATE.record("debounced", input)
    return input * 10


debounce_task = (
    r.task("pm.tasks.debounced").middleware(task_mw.debounce.with_(ms=20)).run(debounced).build()
)

shared_debounce = task_mw.debounce.with_(ms=20)


async def left(input: int) -> str:
    STATE.record("left", input)
    return f"left {input}"


async def right(input: int) -> str:
    STATE.record("right", input)
    return f"right {input}"


left_task = r.task("pm.tasks.left").middleware(shared_debounce).run(left).build()
right_task = r.task("pm.tasks.right").middleware(shared_debounce).run(right).build()


async def throttled(input: int) -> int:
    STATE.record("throttled", input)
    return input


throttle_task = (
    r.task("pm.tasks.throttled").middleware(task_mw.throttle.with_(ms=50)).run(throttled).build()
)

# -- concurrency: a shared .with_() result shares its permits --------------------------------

shared_limit = task_mw.concurrency.with_(limit=1)


async def held(input: str) -> str:
    STATE.active += 1
    STATE.max_active = max(STATE.max_active, STATE.active)
    try:
        assert STATE.gate is not None
        await STATE.gate.wait()
    finally:
        STATE.active -= 1
    return input


shared_a = r.task("pm.tasks.shared_a").middleware(shared_limit).run(held).build()
shared_b = r.task("pm.tasks.shared_b").middleware(shared_limit).run(held).build()
own_a = r.task("pm.tasks.own_a").middleware(task_mw.concurrency.with_(limit=1)).run(held).build()
own_b = r.task("pm.tasks.own_b").middleware(task_mw.concurrency.with_(limit=1)).run(held).build()

# -- rate limit: a shared .with_() result shares its budget ---------------------------------

shared_budget = task_mw.rate_limit.with_(window_ms=60_000, max=2)


async def limited(input: str) -> str:
    return input


limited_a = r.task("pm.tasks.limited_a").middleware(shared_budget).run(limited).build()
limited_b = r.task("pm.tasks.limited_b").middleware(shared_budget).run(limited).build()

# -- cache: Runner's key, key_builder(task_id, input), None not cached ----------------------


async def maybe(input: int) -> int | None:
    STATE.record("maybe", input)
    return None if input < 0 else input


maybe_task = r.task("pm.tasks.maybe").middleware(task_mw.cache.with_()).run(maybe).build()


def key_builder(task_id: str, input: Any) -> str:
    STATE.keys.append((task_id, input))
    return f"{task_id}:custom"


async def keyed(input: dict[str, int]) -> int:
    STATE.record("keyed", input)
    return sum(input.values())


keyed_task = (
    r.task("pm.tasks.keyed")
    .middleware(task_mw.cache.with_(key_builder=key_builder))
    .run(keyed)
    .build()
)

# -- timeout around retry: the timeout error, not the task's ---------------------------------


async def always_fails(input: str) -> str:
    STATE.record("always_fails", input)
    raise ConnectionError(f"attempt {len(STATE.runs['always_fails'])} failed")


timed_retry_task = (
    r.task("pm.tasks.timed_retry")
    .middleware(
        task_mw.timeout.with_(ttl=30),
        task_mw.retry.with_(retries=3, delay_strategy=lambda attempt, error: 60_000),
    )
    .run(always_fails)
    .build()
)

app = (
    r.resource("pm")
    .register(
        globals.resources.cache,
        debounce_task,
        left_task,
        right_task,
        throttle_task,
        shared_a,
        shared_b,
        own_a,
        own_b,
        limited_a,
        limited_b,
        maybe_task,
        keyed_task,
        timed_retry_task,
    )
    .build()
)
