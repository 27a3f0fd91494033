"""wind_down: leftover tasks and worker threads get a grace period, then are named, not awaited."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest

from runner_gen.runtime.wind_down import wind_down


def test_a_clean_loop_winds_down_with_nothing_left() -> None:
    loop = asyncio.new_event_loop()
    before = set(threading.enumerate())
    try:
        cooperative = loop.create_task(asyncio.sleep(60), name="cooperative")
        assert wind_down(loop, 1.0, before) == []
        assert cooperative.cancelled()
    finally:
        loop.close()


def test_a_task_ignoring_cancellation_and_a_stuck_thread_are_named(
    caplog: pytest.LogCaptureFixture,
) -> None:
    loop = asyncio.new_event_loop()
    before = set(threading.enumerate())
    release = threading.Event()
    loop_release = asyncio.Event()

    async def stubborn() -> None:
        while not loop_release.is_set():
            try:
                await loop_release.wait()
            except asyncio.CancelledError:
                continue  # shrugs off every cancellation

    async def fails_when_cancelled() -> None:
        try:
            await asyncio.sleep(60)
        finally:
            raise RuntimeError("cleanup failed")

    kept: list[asyncio.Future[object]] = []

    async def spawn_all() -> None:
        kept.append(loop.create_task(stubborn(), name="stubborn"))
        kept.append(loop.create_task(fails_when_cancelled(), name="sloppy"))
        name = "runner-task:app.tasks.reports_itself"
        kept.append(loop.create_task(fails_when_cancelled(), name=name))
        kept.append(loop.run_in_executor(None, release.wait))  # a thread blocked in sync code
        await asyncio.sleep(0)

    try:
        loop.run_until_complete(spawn_all())
        with caplog.at_level(logging.ERROR, logger="runner_gen.main"):
            stuck = wind_down(loop, 0.2, before)
        assert "task stubborn" in stuck
        assert any(name.startswith("thread asyncio_") for name in stuck)
        [record] = caplog.records  # the spawned one logs its own failure; the other is logged
        assert "'sloppy' failed while the loop was closing" in record.getMessage()
    finally:
        release.set()
        loop.call_soon_threadsafe(loop_release.set)
        loop.run_until_complete(asyncio.wait({kept[0]}, timeout=10))
        loop.close()
