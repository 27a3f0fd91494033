"""``init_mode = "parallel"``: independent resources start together, ported from Runner 5.5.

Runner files (tag 5.5.0): src/__tests__/run/run.behavioral.test.ts ("can initialize independent
resources in parallel when initMode is parallel", "aggregates parallel resource initialization
failures"), src/__tests__/models/DependencyProcessor.parallel-init.test.ts ("normalizes ...
and throws single failure directly"; its other three tests check Runner's scheduler internals,
which the build replaces: the waves are computed from the graph at build time).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from runner_gen.runtime.unhandled import UnhandledError
from tests.parity.apps import parallel_init as defs
from tests.support.build import build_app, generate_files

SPEC = "tests.parity.apps.parallel_init:app"
parallel = build_app(SPEC, init_mode="parallel")
sequential = build_app(SPEC)


async def until(condition: Callable[[], bool], rounds: int = 1000) -> None:
    """Let the loop run until ``condition`` holds (a bounded number of rounds)."""
    for _ in range(rounds):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError(f"not reached: {defs.EVENTS}")


async def test_independent_resources_start_together() -> None:
    """run.behavioral: "can initialize independent resources in parallel when initMode is
    parallel" -- both inits are running before either may finish."""
    defs.reset("first", "second")
    starting = asyncio.ensure_future(parallel.start())
    await until(lambda: {"start first", "start second"} <= set(defs.EVENTS))
    assert "ready first" not in defs.EVENTS
    defs.GATES["first"].set()
    defs.GATES["second"].set()
    app = await starting
    # third needs first: it started once first was ready; the root comes last.
    assert defs.EVENTS.index("start third") > defs.EVENTS.index("ready first")
    assert defs.EVENTS[-1] == "start root"
    await app.dispose()
    disposed = [event for event in defs.EVENTS if event.startswith("dispose")]
    assert disposed[0] == "dispose third"  # it finished last
    assert sorted(disposed) == ["dispose first", "dispose second", "dispose third"]


async def test_sequential_mode_starts_one_resource_at_a_time() -> None:
    defs.reset("first")
    starting = asyncio.ensure_future(sequential.start())
    await until(lambda: "start first" in defs.EVENTS)
    assert "start second" not in defs.EVENTS  # it waits for first, whose gate is closed
    defs.GATES["first"].set()
    app = await starting
    inits = [event for event in defs.EVENTS if event != "start root"]
    # Each init finishes before the next starts.
    assert inits[0::2] == [event.replace("ready", "start") for event in inits[1::2]]
    await app.dispose()


async def test_several_failures_in_a_wave_are_raised_together() -> None:
    """run.behavioral: "aggregates parallel resource initialization failures" -- every failure,
    each naming its resource; nothing of the next wave starts."""
    defs.reset()
    defs.FAIL.update({"first", "second"})
    seen: list[UnhandledError] = []
    with pytest.raises(ExceptionGroup) as caught:
        await parallel.start(on_unhandled_error=seen.append)
    group = caught.value
    assert {getattr(error, "resource_id", None) for error in group.exceptions} == {
        "parallel.first",
        "parallel.second",
    }
    assert all(isinstance(error, RuntimeError) for error in group.exceptions)
    assert "2 resources failed to initialize" in str(group)
    assert "start third" not in defs.EVENTS
    assert sorted((info.kind, info.source) for info in seen) == [
        ("resourceInit", "parallel.first"),
        ("resourceInit", "parallel.second"),
    ]


async def test_one_failure_is_raised_as_is_and_the_rollback_disposes_what_started() -> None:
    """parallel-init: "... throws single failure directly"; the other init of the wave settles
    first, and the rollback disposes it."""
    defs.reset("second")
    defs.FAIL.add("first")
    starting = asyncio.ensure_future(parallel.start())
    await until(lambda: "failed first" in defs.EVENTS)
    assert "dispose second" not in defs.EVENTS  # the wave waits for second to settle
    defs.GATES["second"].set()
    with pytest.raises(RuntimeError, match="first failed") as caught:
        await starting
    assert caught.value.resource_id == "parallel.first"  # type: ignore[attr-defined]
    assert defs.EVENTS[-1] == "dispose second"
    assert "start third" not in defs.EVENTS
    assert "dispose first" not in defs.EVENTS  # its init never returned


async def test_cancelling_a_wave_cancels_its_inits_and_disposes_what_finished() -> None:
    defs.reset("first", "second")
    starting = asyncio.ensure_future(parallel.start())
    await until(lambda: {"start first", "start second"} <= set(defs.EVENTS))
    defs.GATES["second"].set()
    await until(lambda: "ready second" in defs.EVENTS)
    starting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await starting
    assert "cancelled first" in defs.EVENTS
    assert defs.EVENTS[-1] == "dispose second"
    assert "dispose first" not in defs.EVENTS


def test_the_generated_start_runs_a_wave_only_in_parallel_mode() -> None:
    parallel_code = generate_files(SPEC, init_mode="parallel").files["wiring.py"]
    sequential_code = generate_files(SPEC).files["wiring.py"]
    assert parallel_code.count("await _rt.init_wave(") == 1
    assert "# started together: parallel.first, parallel.second" in parallel_code
    assert "init_wave" not in sequential_code
