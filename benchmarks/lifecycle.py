"""What the lifecycle and async contexts add to one task call.

Baseline: awaiting a trivial task coroutine (what a generated task call bottoms out in).
Subjects: the same call behind ``lifecycle.admit()``, inside ``lifecycle.in_flight()``, after
``ctx.use()``, and run through ``await ctx.provide(value, fn)``. A trivial task magnifies the
overhead; a real task (I/O, validation) hides most of it.
"""

from __future__ import annotations

from contextvars import ContextVar

from benchmarks._harness import Ratio, compare_async, report
from runner_gen.runtime.context import AsyncContext
from runner_gen.runtime.lifecycle import Lifecycle


async def task() -> int:
    return 1


def ratios() -> list[Ratio]:
    lifecycle = Lifecycle("bench")
    lifecycle.started()
    request_id = AsyncContext[str]("bench.request_id")

    async def baseline() -> object:
        return await task()

    async def admitted() -> object:
        lifecycle.admit()
        return await task()

    async def in_flight() -> object:
        with lifecycle.in_flight():
            return await task()

    async def provided() -> object:
        return await request_id.provide("r-1", task)

    async def provided_with() -> object:
        with request_id.provide("r-1"):
            return await task()

    raw_var: ContextVar[str] = ContextVar("bench.raw")

    async def used() -> object:
        request_id.use()
        return await task()

    async def raw_get() -> object:
        raw_var.get()
        return await task()

    async def use_inside() -> object:
        return await request_id.provide("r-1", used)

    async def raw_inside() -> object:
        token = raw_var.set("r-1")
        try:
            return await raw_get()
        finally:
            raw_var.reset(token)

    return [
        compare_async("lifecycle.admit() + task call vs task call", admitted, baseline, "<= 1.5"),
        compare_async(
            "with lifecycle.in_flight(): task call vs task call", in_flight, baseline, "<= 5.0"
        ),
        compare_async(
            "provide + ctx.use() vs raw ContextVar set/get/reset", use_inside, raw_inside, "<= 1.5"
        ),
        compare_async("await ctx.provide(v, task) vs task call", provided, baseline, "<= 3.5"),
        compare_async(
            "with ctx.provide(v): task call vs task call", provided_with, baseline, "<= 4.5"
        ),
    ]


def main() -> None:
    report(ratios())


if __name__ == "__main__":
    main()
