"""One timer for all body deadlines: every overdue read is cut, nothing else is."""

from __future__ import annotations

import asyncio

import pytest

from runner_gen.runtime.exposure.deadlines import BodyDeadlines


async def read_forever(deadlines: BodyDeadlines, outcome: list[str]) -> None:
    task = asyncio.current_task()
    assert task is not None
    deadlines.watch(task)
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        outcome.append("expired" if deadlines.expired(task) else "cancelled")
        raise
    finally:
        deadlines.release(task)


async def test_reads_started_at_different_times_are_each_cut_at_their_deadline() -> None:
    deadlines = BodyDeadlines(0.05)
    outcome: list[str] = []
    first = asyncio.create_task(read_forever(deadlines, outcome))
    await asyncio.sleep(0.02)
    second = asyncio.create_task(read_forever(deadlines, outcome))  # due after the first sweep
    await asyncio.wait_for(asyncio.wait([first, second]), 5)
    assert outcome == ["expired", "expired"]
    assert first.cancelled()
    assert second.cancelled()


async def test_a_read_released_in_time_is_never_cancelled() -> None:
    deadlines = BodyDeadlines(0.05)

    async def quick() -> str:
        task = asyncio.current_task()
        assert task is not None
        deadlines.watch(task)
        try:
            await asyncio.sleep(0)
        finally:
            deadlines.release(task)
        await asyncio.sleep(0.1)  # well past the deadline: no late cancellation arrives
        return "done"

    assert await asyncio.wait_for(quick(), 5) == "done"


async def test_a_cancellation_from_elsewhere_is_not_taken_for_a_timeout() -> None:
    deadlines = BodyDeadlines(30)
    outcome: list[str] = []
    reader = asyncio.create_task(read_forever(deadlines, outcome))
    await asyncio.sleep(0)
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    assert outcome == ["cancelled"]
