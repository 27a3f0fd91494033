"""Typed overrides at start: a test replaces resources, tasks, emitters and the clock of a
generated app without a second build."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from runner_gen.runtime.middleware import TaskTimeoutError
from runner_gen.testing import FakeClock, Recorder, settle
from tests.fixtures.apps import overridable as defs
from tests.fixtures.apps.overridable import Database, Registered
from tests.support.build import build_app

wiring = build_app("tests.fixtures.apps.overridable:app")


@dataclass
class FakeMailer:
    """Structurally a Mailer: the Protocol the init function returns."""

    sent: list[str] = field(default_factory=list)

    async def send(self, to: str, text: str) -> None:
        self.sent.append(to)


@pytest.fixture(autouse=True)
def calls() -> Iterator[list[str]]:
    defs.CALLS.clear()
    yield defs.CALLS
    defs.CALLS.clear()


async def test_without_overrides_the_real_resources_start_and_stop(calls: list[str]) -> None:
    async with wiring.running() as app:
        assert await app.tasks.register("ada") == 1
    assert calls == ["open database", "open mailer", "welcome hook", "close database"]


async def test_an_overridden_resource_is_neither_initialised_nor_disposed(
    calls: list[str],
) -> None:
    fake = Database(rows={1: "existing"})
    async with wiring.running(overrides={"resources": {"database": fake}}) as app:
        assert app.resources.database is fake
        assert await app.tasks.register("ada") == 2  # the task wrote into the fake
    assert fake.rows == {1: "existing", 2: "ada"}
    assert "open database" not in calls
    assert "close database" not in calls
    assert "open mailer" in calls  # the others start as usual


async def test_a_resource_typed_by_a_protocol_takes_any_structural_fake() -> None:
    mailer = FakeMailer()
    async with wiring.running(overrides={"resources": {"mailer": mailer}}) as app:
        assert app.resources.mailer is mailer


async def test_an_overridden_task_is_called_by_the_app_and_by_its_dependents() -> None:
    seen: list[str] = []

    async def fake_register(name: str) -> int:
        seen.append(name)
        return 42

    async with wiring.running(overrides={"tasks": {"register": fake_register}}) as app:
        assert await app.tasks.register("x") == 42
        assert await app.tasks.greet("bo") == "hello bo (#42)"  # greet depends on register
    assert seen == ["x", "bo"]


async def test_a_recorder_takes_the_emissions_and_the_hooks_do_not_run(calls: list[str]) -> None:
    recorder: Recorder[Registered] = Recorder()
    async with wiring.running(overrides={"events": {"registered": recorder}}) as app:
        await app.tasks.register("ada")
        await app.events.registered(Registered(7, "direct"))
    assert recorder.payloads == [Registered(1, "ada"), Registered(7, "direct")]
    assert "welcome hook" not in calls


async def test_a_failing_recorder_fails_the_emitting_task_like_a_failing_hook() -> None:
    recorder: Recorder[Registered] = Recorder(fail_with=ConnectionError("mail down"))
    async with wiring.running(overrides={"events": {"registered": recorder}}) as app:
        with pytest.raises(ConnectionError, match="mail down"):
            await app.tasks.register("ada")


async def test_the_fake_clock_drives_the_built_in_middleware() -> None:
    clock = FakeClock()
    async with wiring.running(overrides={"clock": clock}) as app:
        call = asyncio.ensure_future(app.tasks.lookup("slow"))
        await settle()
        assert clock.sleeping == 1  # the timeout middleware waits on the fake clock
        assert not call.done()
        await clock.advance(1.0)  # the 1000 ms budget: no real second passes
        with pytest.raises(TaskTimeoutError):
            await call


async def test_overrides_are_per_start() -> None:
    fake = Database()
    async with wiring.running(overrides={"resources": {"database": fake}}) as first:
        assert first.resources.database is fake
    async with wiring.running() as second:
        assert second.resources.database is not fake
