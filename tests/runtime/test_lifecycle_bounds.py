"""Lifecycle ceilings: the drain abandons calls by id, each disposer has its own timeout, the
shutdown budget bounds the whole, ``skip_drain`` ends the drain, disposed apps refuse calls."""

from __future__ import annotations

import asyncio
import logging
from functools import partial

import pytest

from runner_gen.runtime.disposal import DisposeTimeoutError, stuck_at
from runner_gen.runtime.errors import DisposedError, DisposeError, ShutdownLockdownError
from runner_gen.runtime.lifecycle import (
    DEFAULT_DISPOSE_TIMEOUT,
    DEFAULT_DRAIN_BUDGET,
    DEFAULT_SHUTDOWN_BUDGET,
    Lifecycle,
)
from runner_gen.runtime.sealing import seal
from tests.runtime.test_lifecycle import FakeClock, Journal, run_until_blocked


def test_the_defaults_fit_a_thirty_second_termination_grace() -> None:
    assert (DEFAULT_DRAIN_BUDGET, DEFAULT_DISPOSE_TIMEOUT) == (10.0, 10.0)
    assert DEFAULT_DRAIN_BUDGET + DEFAULT_DISPOSE_TIMEOUT <= DEFAULT_SHUTDOWN_BUDGET < 30.0


async def hang_until_cancelled(journal: Journal, name: str) -> None:
    journal.lines.append(f"{name} started")
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        journal.lines.append(f"{name} cancelled")
        raise


# -- drain ceiling ------------------------------------------------------------------------------


async def test_calls_still_running_at_the_drain_budget_are_cancelled_and_named(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    journal = Journal()
    lifecycle = Lifecycle("app", drain_budget=2.0, clock=clock)
    lifecycle.on_dispose("app.db", partial(journal.close, "db"))
    guard = lifecycle.tracked("app.tasks.export")

    async def export() -> None:
        with guard:
            await hang_until_cancelled(journal, "export")

    call = asyncio.create_task(export())
    await run_until_blocked()
    disposing = asyncio.create_task(lifecycle.dispose())
    await clock.sleeping()
    clock.advance(2.0)
    await disposing
    await run_until_blocked()

    # Abandoned means not waited for: its cancellation unwinds beside the disposers.
    assert sorted(journal.lines) == ["dispose db", "export cancelled", "export started"]
    assert call.cancelled()
    assert lifecycle.abandoned == ("app.tasks.export",)
    assert lifecycle.in_flight_count == 0
    [record] = [r for r in caplog.records if r.name == "runner_gen.lifecycle"]
    assert record.levelno == logging.WARNING
    assert "cancelled and abandoned: app.tasks.export" in record.getMessage()


async def test_an_anonymous_call_is_waited_for_but_cannot_be_abandoned(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``in_flight()`` only counts (no task lookup per call): the drain logs it and moves on."""
    clock = FakeClock()
    lifecycle = Lifecycle("app", drain_budget=1.0, clock=clock)

    async def request() -> None:
        with lifecycle.in_flight():
            await asyncio.Event().wait()

    call = asyncio.create_task(request())
    await run_until_blocked()
    disposing = asyncio.create_task(lifecycle.dispose())
    await clock.sleeping()
    clock.advance(1.0)
    await disposing

    assert lifecycle.abandoned == ()
    assert not call.done()
    assert any("1 call(s) still in flight" in r.getMessage() for r in caplog.records)
    call.cancel()
    await asyncio.gather(call, return_exceptions=True)
    assert lifecycle.in_flight_count == 0


async def test_a_call_ignoring_its_cancellation_does_not_hold_up_disposal() -> None:
    clock = FakeClock()
    journal = Journal()
    lifecycle = Lifecycle("app", drain_budget=1.0, clock=clock)
    lifecycle.on_dispose("app.db", partial(journal.close, "db"))
    release = asyncio.Event()

    async def stubborn() -> None:
        with lifecycle.tracked("app.tasks.stubborn"):
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                journal.lines.append("ignored the cancellation")
                await release.wait()

    call = asyncio.create_task(stubborn())
    await run_until_blocked()
    disposing = asyncio.create_task(lifecycle.dispose())
    await clock.sleeping()
    clock.advance(1.0)
    await disposing  # not waiting for the stubborn call
    await run_until_blocked()

    assert sorted(journal.lines) == ["dispose db", "ignored the cancellation"]
    assert not call.done()
    release.set()
    await call


async def test_skip_drain_ends_the_drain_at_once() -> None:
    clock = FakeClock()
    journal = Journal()
    lifecycle = Lifecycle("app", drain_budget=60.0, clock=clock)
    lifecycle.on_dispose("app.db", partial(journal.close, "db"))

    async def request() -> None:
        with lifecycle.tracked("app.tasks.slow"):
            await hang_until_cancelled(journal, "slow")

    asyncio.create_task(request())  # noqa: RUF006 - cancelled by the drain, awaited by no one
    await run_until_blocked()
    disposing = asyncio.create_task(lifecycle.dispose())
    await clock.sleeping()

    lifecycle.skip_drain()  # no clock advance: the 60 s never pass
    await disposing
    await run_until_blocked()

    assert sorted(journal.lines) == ["dispose db", "slow cancelled", "slow started"]


async def test_skip_drain_before_disposal_makes_the_drain_give_up_immediately() -> None:
    lifecycle = Lifecycle("app", drain_budget=60.0)

    async def request() -> None:
        with lifecycle.tracked("app.tasks.slow"):
            await asyncio.Event().wait()

    call = asyncio.create_task(request())
    await run_until_blocked()
    lifecycle.skip_drain()
    lifecycle.skip_drain()  # idempotent
    assert await lifecycle.drain(60.0) is False
    await lifecycle.dispose()
    assert call.cancelled()


# -- dispose timeouts ---------------------------------------------------------------------------


async def test_a_resources_own_dispose_timeout_overrides_the_default() -> None:
    clock = FakeClock()
    journal = Journal()
    lifecycle = Lifecycle(
        "app", dispose_timeout=10.0, dispose_timeouts={"app.pool": 2.0}, clock=clock
    )
    lifecycle.on_dispose("app.db", partial(journal.close, "db"))
    lifecycle.on_dispose("app.pool", partial(hang_until_cancelled, journal, "pool"))
    disposing = asyncio.create_task(lifecycle.dispose())
    await clock.sleeping()
    clock.advance(2.0)

    with pytest.raises(DisposeTimeoutError) as raised:
        await disposing

    await run_until_blocked()
    assert sorted(journal.lines) == ["dispose db", "pool cancelled", "pool started"]
    [(resource_id, error)] = lifecycle.failures
    assert resource_id == "app.pool"
    assert error is raised.value
    assert "within 2.0 s (stuck in hang_until_cancelled (" in error.message
    assert error.stuck_at is not None
    assert "test_lifecycle_bounds.py:" in error.stuck_at


async def test_a_shorter_deadline_after_a_longer_one_is_still_enforced() -> None:
    """The watchdog sleeping for a 10 s disposer wakes for the next one's 1 s."""
    clock = FakeClock()
    journal = Journal()
    fast_done = asyncio.Event()

    async def quick_then_done() -> None:
        await asyncio.sleep(0)  # suspends, so the watchdog arms for 10 s
        fast_done.set()

    lifecycle = Lifecycle(
        "app", dispose_timeout=10.0, dispose_timeouts={"app.short": 1.0}, clock=clock
    )
    lifecycle.on_dispose("app.short", partial(hang_until_cancelled, journal, "short"))
    lifecycle.on_dispose("app.long", quick_then_done)
    disposing = asyncio.create_task(lifecycle.dispose())
    await fast_done.wait()
    await clock.sleeping()
    clock.advance(1.0)

    with pytest.raises(DisposeTimeoutError):
        await disposing
    assert journal.lines == ["short started", "short cancelled"]


async def test_once_the_shutdown_budget_is_spent_disposers_are_called_but_not_awaited() -> None:
    clock = FakeClock()
    journal = Journal()
    lifecycle = Lifecycle("app", dispose_timeout=10.0, shutdown_budget=3.0, clock=clock)
    lifecycle.on_dispose("app.cache", partial(hang_until_cancelled, journal, "cache"))
    lifecycle.on_dispose("app.config", partial(journal.close_sync, "config"))
    lifecycle.on_dispose("app.db", partial(hang_until_cancelled, journal, "db"))
    disposing = asyncio.create_task(lifecycle.dispose())
    await clock.sleeping()
    clock.advance(3.0)  # db overruns the whole budget

    with pytest.raises(DisposeError) as raised:
        await disposing

    await run_until_blocked()
    # config (sync) still ran; cache was called and cancelled at once, not waited for 10 s.
    assert [line for line in journal.lines if "started" in line or "config" in line] == [
        "db started",
        "dispose config",
        "cache started",
    ]
    assert {"db cancelled", "cache cancelled"} <= set(journal.lines)
    assert [resource_id for resource_id, _ in raised.value.errors] == ["app.db", "app.cache"]
    assert all("shutdown budget (3.0 s)" in str(error) for _, error in raised.value.errors)


async def test_an_abandoned_disposer_failing_later_is_not_reported_twice(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    release = asyncio.Event()

    async def stubborn() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await release.wait()
            raise RuntimeError("late failure") from None

    lifecycle = Lifecycle("app", dispose_timeout=1.0, clock=clock)
    lifecycle.on_dispose("app.stubborn", stubborn)
    disposing = asyncio.create_task(lifecycle.dispose())
    await clock.sleeping()
    clock.advance(1.0)
    with pytest.raises(DisposeTimeoutError):
        await disposing
    release.set()
    await run_until_blocked()

    assert len(lifecycle.failures) == 1
    assert sum("failed to dispose" in r.getMessage() for r in caplog.records) == 1


async def test_a_timeout_is_logged_in_one_line_without_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    lifecycle = Lifecycle("app", dispose_timeout=1.0, clock=clock)
    lifecycle.on_dispose("app.pool", partial(hang_until_cancelled, Journal(), "pool"))
    disposing = asyncio.create_task(lifecycle.dispose())
    await clock.sleeping()
    clock.advance(1.0)
    with pytest.raises(DisposeTimeoutError):
        await disposing

    [record] = [r for r in caplog.records if r.name == "runner_gen.lifecycle"]
    assert record.levelno == logging.ERROR
    assert record.exc_info is None
    assert "did not dispose within 1.0 s" in record.getMessage()


async def test_without_timeouts_disposers_are_awaited_however_long_they_take() -> None:
    journal = Journal()
    release = asyncio.Event()

    async def slow() -> None:
        await release.wait()
        journal.lines.append("dispose slow")

    lifecycle = Lifecycle("app", dispose_timeout=None, shutdown_budget=None)
    lifecycle.on_dispose("app.slow", slow)
    disposing = asyncio.create_task(lifecycle.dispose())
    await run_until_blocked()
    assert not disposing.done()
    release.set()
    await disposing
    assert journal.lines == ["dispose slow"]


async def test_stuck_at_names_the_users_frame_not_asyncios() -> None:
    reader = asyncio.StreamReader()

    async def read_reply() -> bytes:
        return await reader.readline()

    task = asyncio.create_task(read_reply())
    await run_until_blocked()
    where = stuck_at(task)
    task.cancel()
    assert where is not None
    assert where.startswith("read_reply (")
    finished = asyncio.create_task(asyncio.sleep(0))
    await finished
    assert stuck_at(finished) is None


# -- sealing ------------------------------------------------------------------------------------


class Tasks:
    __slots__ = ("export", "ping", "unset")

    def __init__(self) -> None:
        self.export = self._export
        self.ping = self._ping

    async def _export(self, input: str) -> str:
        return input

    async def _ping(self) -> str:
        return "pong"


async def test_calls_after_dispose_raise_the_disposed_error() -> None:
    tasks = Tasks()
    lifecycle = Lifecycle("app")
    lifecycle.seal_on_dispose(tasks)
    assert await tasks.export("x") == "x"
    lifecycle.started()

    await lifecycle.dispose()

    with pytest.raises(DisposedError) as raised:
        await tasks.export("x")
    assert raised.value.id == "runner.errors.runResultDisposed"
    assert raised.value.message == 'App "app" has been disposed.'
    assert isinstance(raised.value, ShutdownLockdownError)  # a refusal, 503 over HTTP
    with pytest.raises(DisposedError):
        await tasks.ping()
    assert not hasattr(tasks, "unset")
    assert "disposed app 'app'" in repr(tasks.ping)


async def test_namespaces_sealed_late_are_sealed_at_once_and_sealing_twice_is_harmless() -> None:
    lifecycle = Lifecycle("app")
    disposing = asyncio.create_task(lifecycle.dispose())
    await run_until_blocked()
    await disposing
    tasks = Tasks()
    lifecycle.seal_on_dispose(tasks)
    with pytest.raises(DisposedError):
        await tasks.ping()
    seal(tasks, "app")
    with pytest.raises(DisposedError):
        await tasks.ping()


async def test_sealing_reaches_plain_instance_attributes_too() -> None:
    class Events:
        def __init__(self) -> None:
            self.user_registered = print
            self.label = "not callable"

    events = Events()
    seal(events, "app")
    with pytest.raises(DisposedError):
        events.user_registered("hello")
    assert events.label == "not callable"
