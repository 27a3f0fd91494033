"""Three ordered hooks on one event, each failing on request: Runner's EventManager emit
options (report, failure modes, throwOnError) through a generated emitter."""

from __future__ import annotations

from runner_gen import Emission, r

CALLS: list[str] = []
FAIL: set[str] = set()


def reset() -> None:
    CALLS.clear()
    FAIL.clear()


async def run_first(event: Emission[str]) -> None:
    CALLS.append("first")
    if "first" in FAIL:
        raise RuntimeError("first-failure")


async def run_second(event: Emission[str]) -> None:
    CALLS.append("second")
    if "second" in FAIL:
        raise RuntimeError("second-failure")


async def run_third(event: Emission[str]) -> None:
    CALLS.append("third")
    if "third" in FAIL:
        raise RuntimeError("third-failure")


happened = r.event("eo.events.happened").payload_schema(str).build()
first = r.hook("eo.hooks.first").on(happened).order(0).run(run_first).build()
second = r.hook("eo.hooks.second").on(happened).order(1).run(run_second).build()
third = r.hook("eo.hooks.third").on(happened).order(2).run(run_third).build()

app = r.resource("eo").register(happened, first, second, third).build()
