"""Hooks emitting the events they listen to, ported from Runner 5.5's tests.

Runner files (tag 5.5.0): src/__tests__/run/run.test.ts ("should avoid infinite recursion by
omitting hook emissions recursively"), src/__tests__/models/event/CycleContext.test.ts and
src/__tests__/security/security.event-cycles.test.ts (the run-time guard), and the dry-run
emission graph of src/models/utils/buildDependencyGraph.ts (``"*"`` hooks are left out of it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from runner_gen import HookError
from runner_gen.runtime.emission_guard import EventCycleError, guard_cycles
from runner_gen.runtime.emitting import run_hooks
from runner_gen.runtime.events import OUTSIDE, Emission, FailureMode
from tests.parity.apps import emit_cycles as defs
from tests.support.build import build_app, generate_files

SPEC = "tests.parity.apps.emit_cycles:app"
wiring = build_app(SPEC)


@pytest.fixture(autouse=True)
def clean_log() -> Iterator[None]:
    defs.reset()
    yield
    defs.reset()


async def test_a_hook_re_emitting_its_own_event_does_not_hear_its_emission() -> None:
    """run: "should avoid infinite recursion by omitting hook emissions recursively" -- the
    root's init emits; the hook re-emits once and is skipped for its own emission, while the
    other hook hears both."""
    async with wiring.running():
        pass
    heard = [line for line in defs.LOG if "heard Event emitted" in line]
    assert heard == [
        "app hook heard Event emitted from app.resource",
        "counter heard Event emitted from app",  # the re-emission: the app hook is skipped
        "counter heard Event emitted from app.resource",
    ]


async def test_a_wildcard_hook_may_emit_an_event_and_hears_every_other_one() -> None:
    """A ``"*"`` hook depending on an event's emitter builds (Runner leaves ``"*"`` hooks out of
    its emission cycle check) and never hears its own emissions."""
    async with wiring.running() as app:
        defs.LOG.clear()
        await app.events.loop_event(defs.Message(message="once"))
    assert defs.LOG == [
        "loop a from outside",
        "loop b from outside",
        "audit heard loop.event",
        "audit stored loop.event",  # the audit event's own hook; the "*" hook is skipped
    ]


async def test_hooks_re_emitting_each_others_emissions_stop_with_event_cycle() -> None:
    """CycleContext: "detects alternating hook re-emits on the same event"; security.event-
    cycles: "prevents emission cycles" -- Runner's typed error, not a RecursionError."""
    async with wiring.running() as app:
        defs.LOG.clear()
        defs.LOOPING[0] = True
        with pytest.raises(HookError) as raised:
            await app.events.loop_event(defs.Message(message="spin"))
    cycle = raised.value.__cause__
    while isinstance(cycle, HookError):  # each hook on the way wraps what it got
        cycle = cycle.__cause__
    assert isinstance(cycle, EventCycleError)
    assert cycle.id == "runner.errors.eventCycle"
    assert cycle.path == (
        ("loop.event", "outside"),
        ("loop.event", "loop.hookA"),
        ("loop.event", "loop.hookB"),
        ("loop.event", "loop.hookA"),
    )
    assert cycle.message.startswith(
        "Event emission cycle detected:\n  loop.event<-outside  ->  loop.event<-loop.hookA  ->  "
        "loop.event<-loop.hookB  ->  loop.event<-loop.hookA\n\nBreak the cycle by changing hook"
    )
    loops = [line for line in defs.LOG if line.startswith("loop")]
    assert loops == ["loop a from outside", "loop b from loop.hookA", "loop a from loop.hookB"]


def test_only_events_that_can_recurse_get_the_guard() -> None:
    """The guard is decided at build time: an event whose emissions cannot recurse keeps the
    straight-line emitter, with no context lookups per emission."""
    wiring_text = generate_files(SPEC).files
    text = next(v for k, v in wiring_text.items() if str(k).endswith("wiring.py"))
    guarded = [line for line in text.splitlines() if "= guard_cycles(" in line]
    assert len(guarded) == 1
    assert '"loop.event"' in text.split("= guard_cycles(", 1)[1].split(")", 1)[0]
    # A hook that cannot emit its event is not checked against the source either.
    assert 'if source != "app.counter"' not in text
    assert 'if source != "app":' in text


# -- the guard itself (CycleContext.test.ts), over plain emit functions --------------------------

Emit = Callable[..., Awaitable[None]]


def _guarded(event_id: str, hooks: tuple[str, ...], body: Callable[[str], Awaitable[None]]) -> Emit:
    async def emit(
        payload: Any,
        /,
        *,
        failure_mode: FailureMode = "fail-fast",
        throw_on_error: bool = True,
        source: str = OUTSIDE,
    ) -> None:
        await body(source)

    async def report(payload: Any, /, **options: Any) -> Any:
        return await run_hooks(Emission(event_id, payload), ())

    guarded_emit, _ = guard_cycles(emit, report, event_id, hooks)
    return guarded_emit


async def test_re_emitting_as_the_same_source_is_a_cycle() -> None:
    """CycleContext: "throws cycle error even when re-emitting as same source"."""
    calls: list[str] = []

    async def body(source: str) -> None:
        calls.append(source)
        await evt(None, source="hook-A")

    evt = _guarded("evt", ("hook-A",), body)
    with pytest.raises(EventCycleError, match=r"evt<-hook-A  ->  evt<-hook-A"):
        await evt(None, source="hook-A")
    assert calls == ["hook-A"]  # the inner emission never ran


async def test_a_hook_re_emitting_as_a_new_source_is_allowed() -> None:
    """CycleContext: "allows re-emitting same event if source changes (idempotency)"."""
    calls: list[str] = []

    async def body(source: str) -> None:
        calls.append(source)
        if source == "initial":
            await evt(None, source="hook-A")

    evt = _guarded("evt", ("hook-A",), body)
    await evt(None, source="initial")
    assert calls == ["initial", "hook-A"]


async def test_an_emission_by_something_else_than_a_hook_is_a_cycle() -> None:
    """CycleContext: "detects emission cycles and throws" -- a task (not one of the event's
    hooks) emitting the event again while it is being emitted."""

    async def body(source: str) -> None:
        if source == "hook-A":
            await evt(None, source="some.task")

    evt = _guarded("evt", ("hook-A",), body)
    with pytest.raises(EventCycleError):
        await evt(None, source="hook-A")


async def test_multi_step_cycles_are_detected() -> None:
    """CycleContext: "detects complex multi-step cycles (A->B->C->A)"."""

    async def to_b(source: str) -> None:
        await b(None, source="hook-A")

    async def to_c(source: str) -> None:
        await c(None, source="hook-B")

    async def to_a(source: str) -> None:
        await a(None, source="hook-C")

    a = _guarded("A", ("hook-A",), to_b)
    b = _guarded("B", ("hook-B",), to_c)
    c = _guarded("C", ("hook-C",), to_a)
    with pytest.raises(EventCycleError) as raised:
        await a(None, source="ext")
    assert [event_id for event_id, _ in raised.value.path] == ["A", "B", "C", "A"]


async def test_the_guard_state_is_per_task_and_restored() -> None:
    """Two concurrent emissions do not see each other's frames, and a finished one leaves none."""
    entered = asyncio.Event()
    release = asyncio.Event()

    async def body(source: str) -> None:
        if source == "first":
            entered.set()
            await release.wait()

    evt = _guarded("evt", (), body)

    async def emit_first() -> None:
        await evt(None, source="first")

    first = asyncio.create_task(emit_first())
    await entered.wait()
    await evt(None, source="second")  # not a cycle: the first emission is another task's
    release.set()
    await first
    await evt(None, source="third")  # nothing left on the stack


async def test_the_report_of_a_guarded_event_is_guarded_too() -> None:
    """``emitter.report(...)`` goes through the same guard: the recursion is reported as the
    hooks' failures, not a RecursionError."""
    async with wiring.running() as app:
        defs.LOOPING[0] = True
        report = await app.events.loop_event.report(defs.Message(message="spin"))
    assert report.failed_listeners >= 1
    assert all(isinstance(error, HookError) for error in report.errors)
