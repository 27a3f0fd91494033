"""Call-scoped resources: a new value per task call, disposed when the call ends, whatever
way it ends."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from runner_gen.testing import settle
from tests.fixtures.apps import scoped as defs
from tests.support.build import build_app

wiring = build_app("tests.fixtures.apps.scoped:app")


@pytest.fixture(autouse=True)
def log() -> Iterator[list[str]]:
    defs.LOG.clear()
    defs.COUNTER["n"] = 0
    defs.GATE["open"] = asyncio.Event()
    yield defs.LOG
    defs.LOG.clear()


async def test_each_call_gets_its_own_value_created_in_order_and_disposed_in_reverse(
    log: list[str],
) -> None:
    async with wiring.running() as app:
        assert await app.tasks.save("a") == 1
        assert await app.tasks.save("b") == 2
        assert app.resources.database.committed == ["a", "b"]
    assert log == [
        "open database",
        "begin 1", "audit 1", "close audit 1", "end 1",
        "begin 2", "audit 2", "close audit 2", "end 2",
    ]  # fmt: skip


async def test_a_task_creates_only_the_scoped_values_it_needs(log: list[str]) -> None:
    async with wiring.running() as app:
        assert await app.tasks.peek() == 1
    assert log == ["open database", "begin 1", "end 1"]  # no audit for peek


async def test_a_failing_call_still_disposes_its_scoped_values(log: list[str]) -> None:
    async with wiring.running() as app:
        with pytest.raises(ValueError, match="refused"):
            await app.tasks.save("boom")
        assert app.resources.database.committed == ["boom"]  # end ran: the unit was closed
    assert log[-2:] == ["close audit 1", "end 1"]


async def test_a_cancelled_call_still_disposes_its_scoped_values(log: list[str]) -> None:
    async with wiring.running() as app:
        call = asyncio.ensure_future(app.tasks.hold())
        await settle()
        assert log[-1] == "holding 1"
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert log[-1] == "end 1"


async def test_concurrent_calls_do_not_share_scoped_values(log: list[str]) -> None:
    async with wiring.running() as app:
        first = asyncio.ensure_future(app.tasks.hold())
        second = asyncio.ensure_future(app.tasks.hold())
        await settle()
        assert {"holding 1", "holding 2"} <= set(log)
        defs.GATE["open"].set()
        await asyncio.gather(first, second)
    assert log.count("end 1") == log.count("end 2") == 1


def test_call_scoped_resources_are_not_app_values() -> None:
    assert "uow" not in wiring.Resources.__slots__
    assert "database" in wiring.Resources.__slots__
