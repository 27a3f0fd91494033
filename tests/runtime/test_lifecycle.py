"""Lifecycle: dispose order, failure collection, rollback, admission, drain, timeouts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner_gen.runtime.errors import DisposeError, RunnerError, ShutdownLockdownError
from runner_gen.runtime.lifecycle import (
    DisposeTimeoutError,
    Lifecycle,
    dispose_failures,
)


class FakeClock:
    """A Clock whose time moves only when the test calls ``advance``."""

    def __init__(self) -> None:
        self._now = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        wakeup: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (self._now + seconds, wakeup)
        self._sleepers.append(entry)
        try:
            await wakeup
        finally:
            self._sleepers.remove(entry)

    def advance(self, seconds: float) -> None:
        self._now += seconds
        for deadline, wakeup in self._sleepers:
            if deadline <= self._now and not wakeup.done():
                wakeup.set_result(None)

    async def sleeping(self, count: int = 1) -> None:
        """Let the loop run until ``count`` sleepers wait on this clock."""
        for _ in range(1000):
            if len(self._sleepers) >= count:
                return
            await asyncio.sleep(0)
        raise AssertionError(f"expected {count} sleeper(s), have {len(self._sleepers)}")


@dataclass
class Journal:
    """Records what resources did, in order."""

    lines: list[str] = field(default_factory=list)

    async def close(self, name: str) -> None:
        self.lines.append(f"dispose {name}")

    def close_sync(self, name: str) -> None:
        self.lines.append(f"dispose {name}")

    async def fail(self, name: str) -> None:
        self.lines.append(f"dispose {name}")
        raise ValueError(f"{name} is broken")


async def run_until_blocked() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


# -- dispose ------------------------------------------------------------------------------------


async def test_dispose_runs_sync_and_async_disposers_in_reverse_registration_order() -> None:
    journal = Journal()
    lifecycle = Lifecycle("app")
    lifecycle.on_dispose("app.db", partial(journal.close, "db"))
    lifecycle.on_dispose("app.cache", partial(journal.close_sync, "cache"))
    lifecycle.on_dispose("app.server", partial(journal.close, "server"))
    lifecycle.started()

    await lifecycle.dispose()

    assert journal.lines == ["dispose server", "dispose cache", "dispose db"]
    assert lifecycle.state == "disposed"


async def test_dispose_continues_past_failures_and_raises_all_of_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    journal = Journal()
    lifecycle = Lifecycle("app")
    lifecycle.on_dispose("app.db", partial(journal.fail, "db"))
    lifecycle.on_dispose("app.cache", partial(journal.close, "cache"))
    lifecycle.on_dispose("app.server", partial(journal.fail, "server"))

    with (
        caplog.at_level(logging.ERROR, logger="runner_gen.lifecycle"),
        pytest.raises(DisposeError) as raised,
    ):
        await lifecycle.dispose()

    assert journal.lines == ["dispose server", "dispose cache", "dispose db"]
    assert [resource_id for resource_id, _ in raised.value.errors] == ["app.server", "app.db"]
    assert [str(error) for _, error in raised.value.errors] == [
        "server is broken",
        "db is broken",
    ]
    assert raised.value.id == "runner.errors.dispose"
    logged = [(getattr(r, "resource_id", None), r.exc_info is not None) for r in caplog.records]
    assert logged == [("app.server", True), ("app.db", True)]
    assert "app.server" in caplog.records[0].getMessage()


async def test_dispose_is_idempotent_and_repeats_the_first_outcome() -> None:
    journal = Journal()
    lifecycle = Lifecycle("app")
    lifecycle.on_dispose("app.db", partial(journal.fail, "db"))

    with pytest.raises(ValueError) as first:
        await lifecycle.dispose()
    with pytest.raises(ValueError) as second:
        await lifecycle.dispose()

    assert journal.lines == ["dispose db"]
    assert first.value is second.value
    # The note is added once, however often dispose() is called.
    assert first.value.__notes__ == ['Resource "app.db" failed to dispose (app "app").']


async def test_concurrent_dispose_calls_share_one_disposal() -> None:
    journal = Journal()
    release = asyncio.Event()

    async def slow_close() -> None:
        await release.wait()
        journal.lines.append("dispose db")

    lifecycle = Lifecycle("app")
    lifecycle.on_dispose("app.db", slow_close)
    first = asyncio.create_task(lifecycle.dispose())
    second = asyncio.create_task(lifecycle.dispose())
    await run_until_blocked()
    assert not first.done()
    assert not second.done()
    assert lifecycle.state == "disposing"

    release.set()
    await asyncio.gather(first, second)

    assert journal.lines == ["dispose db"]


async def test_dispose_with_nothing_registered_succeeds() -> None:
    lifecycle = Lifecycle("app")
    await lifecycle.dispose()
    assert lifecycle.state == "disposed"


async def test_a_disposer_raising_cancelled_error_on_its_own_is_a_failure_not_a_stop() -> None:
    journal = Journal()

    async def cancelled_inside() -> None:
        raise asyncio.CancelledError

    lifecycle = Lifecycle("app")
    lifecycle.on_dispose("app.db", partial(journal.close, "db"))
    lifecycle.on_dispose("app.worker", cancelled_inside)

    with pytest.raises(DisposeError) as raised:
        await lifecycle.dispose()

    assert journal.lines == ["dispose db"]
    # Alone, it stays wrapped: a bare CancelledError would read as the caller being cancelled.
    assert [resource_id for resource_id, _ in raised.value.errors] == ["app.worker"]


async def test_a_single_dispose_failure_is_raised_as_is_with_a_note_naming_the_resource() -> None:
    """Runner rethrows a lone dispose failure unchanged (Store.dispose.regression)."""
    journal = Journal()
    lifecycle = Lifecycle("app")
    lifecycle.on_dispose("app.db", partial(journal.close, "db"))
    lifecycle.on_dispose("app.cache", partial(journal.fail, "cache"))

    with pytest.raises(ValueError, match=r"^cache is broken") as raised:
        await lifecycle.dispose()

    assert journal.lines == ["dispose cache", "dispose db"]
    assert not isinstance(raised.value, DisposeError)
    assert raised.value.__notes__ == ['Resource "app.cache" failed to dispose (app "app").']
    assert [resource_id for resource_id, _ in lifecycle.failures] == ["app.cache"]
    assert lifecycle.failures[0][1] is raised.value


async def test_cancelling_dispose_abandons_the_disposers_not_yet_run() -> None:
    journal = Journal()
    entered = asyncio.Event()

    async def hang() -> None:
        entered.set()
        await asyncio.Event().wait()

    lifecycle = Lifecycle("app")
    lifecycle.on_dispose("app.db", partial(journal.close, "db"))
    lifecycle.on_dispose("app.server", hang)
    disposing = asyncio.create_task(lifecycle.dispose())
    await entered.wait()

    disposing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await disposing

    assert journal.lines == []
    assert lifecycle.state == "disposed"


async def test_a_disposer_pushed_while_disposing_is_still_disposed() -> None:
    journal = Journal()
    lifecycle = Lifecycle("app")

    async def close_and_register_late() -> None:
        # A resource whose init finished concurrently with the start of disposal.
        lifecycle.on_dispose("app.late", partial(journal.close, "late"))
        journal.lines.append("dispose server")

    lifecycle.on_dispose("app.db", partial(journal.close, "db"))
    lifecycle.on_dispose("app.server", close_and_register_late)
    await lifecycle.dispose()

    assert journal.lines == ["dispose server", "dispose late", "dispose db"]


async def test_registering_after_disposal_is_refused_with_the_resource_id() -> None:
    lifecycle = Lifecycle("app")
    await lifecycle.dispose()

    with pytest.raises(ShutdownLockdownError, match=r'"app\.late".*"app"'):
        lifecycle.on_dispose("app.late", lambda: None)


async def test_custom_reporter_receives_each_failure(caplog: pytest.LogCaptureFixture) -> None:
    reported: list[tuple[str, str]] = []
    journal = Journal()
    lifecycle = Lifecycle(
        "app", logger=lambda resource_id, error: reported.append((resource_id, str(error)))
    )
    lifecycle.on_dispose("app.db", partial(journal.fail, "db"))

    with caplog.at_level(logging.ERROR), pytest.raises(ValueError):
        await lifecycle.dispose()

    assert reported == [("app.db", "db is broken")]
    assert caplog.records == []


async def test_a_failing_reporter_falls_back_to_the_logger(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken_reporter(resource_id: str, error: BaseException) -> None:
        raise RuntimeError("reporter down")

    journal = Journal()
    lifecycle = Lifecycle("app", logger=broken_reporter)
    lifecycle.on_dispose("app.db", partial(journal.fail, "db"))

    with caplog.at_level(logging.ERROR), pytest.raises(ValueError):
        await lifecycle.dispose()

    messages = [record.getMessage() for record in caplog.records]
    assert any("reporter of app 'app' failed" in message for message in messages)
    assert any("'app.db' failed to dispose" in message for message in messages)


async def test_a_given_stdlib_logger_is_used(caplog: pytest.LogCaptureFixture) -> None:
    journal = Journal()
    lifecycle = Lifecycle("app", logger=logging.getLogger("my.app"))
    lifecycle.on_dispose("app.db", partial(journal.fail, "db"))

    with caplog.at_level(logging.ERROR), pytest.raises(ValueError):
        await lifecycle.dispose()

    assert [record.name for record in caplog.records] == ["my.app"]


# -- dispose timeout -----------------------------------------------------------------------------


async def test_a_hung_disposer_times_out_is_cancelled_and_the_rest_still_run() -> None:
    clock = FakeClock()
    journal = Journal()
    hung_cancelled = asyncio.Event()

    async def hang() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            hung_cancelled.set()
            raise

    lifecycle = Lifecycle("app", dispose_timeout=5.0, clock=clock)
    lifecycle.on_dispose("app.db", partial(journal.close, "db"))
    lifecycle.on_dispose("app.server", hang)
    disposing = asyncio.create_task(lifecycle.dispose())
    await clock.sleeping()
    clock.advance(4.9)
    await run_until_blocked()
    assert not disposing.done()

    clock.advance(0.1)
    with pytest.raises(DisposeTimeoutError) as raised:
        await disposing

    assert journal.lines == ["dispose db"]
    [(resource_id, error)] = lifecycle.failures
    assert resource_id == "app.server"
    assert error is raised.value
    assert error.id == "runner.errors.dispose_timeout"
    assert "5.0 s" in str(error)
    await asyncio.wait_for(hung_cancelled.wait(), 1.0)


async def test_a_disposer_ignoring_cancellation_after_timeout_does_not_block_the_others() -> None:
    clock = FakeClock()
    journal = Journal()
    release = asyncio.Event()

    async def stubborn() -> None:
        # Ignores the first cancellation, then fails late: must not be reported as unretrieved.
        with pytest.raises(asyncio.CancelledError):
            await asyncio.Event().wait()
        await release.wait()
        raise RuntimeError("late failure")

    lifecycle = Lifecycle("app", dispose_timeout=1.0, clock=clock)
    lifecycle.on_dispose("app.db", partial(journal.close, "db"))
    lifecycle.on_dispose("app.stubborn", stubborn)
    disposing = asyncio.create_task(lifecycle.dispose())
    await clock.sleeping()
    clock.advance(1.0)

    with pytest.raises(DisposeTimeoutError):
        await disposing
    assert journal.lines == ["dispose db"]
    release.set()
    await run_until_blocked()


async def test_disposers_within_the_timeout_report_their_own_errors() -> None:
    clock = FakeClock()
    journal = Journal()
    lifecycle = Lifecycle("app", dispose_timeout=5.0, clock=clock)
    lifecycle.on_dispose("app.db", partial(journal.fail, "db"))
    lifecycle.on_dispose("app.cache", partial(journal.close_sync, "cache"))

    with pytest.raises(ValueError) as raised:
        await lifecycle.dispose()

    assert journal.lines == ["dispose cache", "dispose db"]
    [(resource_id, error)] = lifecycle.failures
    assert (resource_id, error) == ("app.db", raised.value)


async def test_cancelling_dispose_during_a_timed_disposer_cancels_that_disposer() -> None:
    clock = FakeClock()
    entered = asyncio.Event()
    cancelled = asyncio.Event()

    async def hang() -> None:
        entered.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    lifecycle = Lifecycle("app", dispose_timeout=5.0, clock=clock)
    lifecycle.on_dispose("app.server", hang)
    disposing = asyncio.create_task(lifecycle.dispose())
    await entered.wait()

    disposing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await disposing
    await asyncio.wait_for(cancelled.wait(), 1.0)


# -- state, started, admission -------------------------------------------------------------------


async def test_state_moves_from_starting_to_running_to_disposing_to_disposed() -> None:
    release = asyncio.Event()
    lifecycle = Lifecycle("app")
    lifecycle.on_dispose("app.db", release.wait)
    states = [lifecycle.state]
    assert lifecycle.app_id == "app"
    assert repr(lifecycle) == "Lifecycle('app', state='starting', in_flight=0)"
    lifecycle.started()
    states.append(lifecycle.state)
    lifecycle.started()  # idempotent while running
    states.append(lifecycle.state)

    disposing = asyncio.create_task(lifecycle.dispose())
    await run_until_blocked()
    states.append(lifecycle.state)
    release.set()
    await disposing
    states.append(lifecycle.state)
    assert states == ["starting", "running", "running", "disposing", "disposed"]


async def test_started_after_disposal_began_is_refused() -> None:
    lifecycle = Lifecycle("app")
    await lifecycle.dispose()
    with pytest.raises(ShutdownLockdownError, match="already disposed"):
        lifecycle.started()


async def test_admit_passes_while_starting_and_running_and_refuses_once_disposing() -> None:
    release = asyncio.Event()
    lifecycle = Lifecycle("app", drain_budget=0.0)
    lifecycle.on_dispose("app.db", release.wait)
    lifecycle.admit()
    lifecycle.started()
    lifecycle.admit()

    disposing = asyncio.create_task(lifecycle.dispose())
    await run_until_blocked()
    with pytest.raises(ShutdownLockdownError) as raised:
        lifecycle.admit()
    release.set()
    await disposing

    assert raised.value.id == "runner.errors.shutdownLockdown"
    assert raised.value.http_code == 503
    assert isinstance(raised.value, RunnerError)
    assert '"app" is shutting down' in str(raised.value)
    with pytest.raises(ShutdownLockdownError):
        lifecycle.admit()


async def test_in_flight_counts_calls_and_nests() -> None:
    lifecycle = Lifecycle("app")
    assert lifecycle.in_flight_count == 0
    with lifecycle.in_flight():
        assert lifecycle.in_flight_count == 1
        with lifecycle.in_flight():
            assert lifecycle.in_flight_count == 2
        assert lifecycle.in_flight_count == 1
    assert lifecycle.in_flight_count == 0


async def test_in_flight_releases_its_count_when_the_call_fails() -> None:
    lifecycle = Lifecycle("app")
    with pytest.raises(ValueError), lifecycle.in_flight():
        raise ValueError("task failed")
    assert lifecycle.in_flight_count == 0
    assert await lifecycle.drain(0.0)


async def test_in_flight_is_refused_after_disposal() -> None:
    lifecycle = Lifecycle("app")
    await lifecycle.dispose()
    with pytest.raises(ShutdownLockdownError), lifecycle.in_flight():
        pytest.fail("must not be admitted")
    assert lifecycle.in_flight_count == 0


# -- drain ---------------------------------------------------------------------------------------


async def test_drain_with_nothing_in_flight_returns_true_and_closes_admission() -> None:
    lifecycle = Lifecycle("app")
    lifecycle.started()
    assert await lifecycle.drain(10.0)
    assert lifecycle.state == "disposing"
    with pytest.raises(ShutdownLockdownError):
        lifecycle.admit()


async def test_drain_waits_for_in_flight_calls_and_admits_their_continuations() -> None:
    clock = FakeClock()
    lifecycle = Lifecycle("app", clock=clock)
    lifecycle.started()
    release = asyncio.Event()
    admitted_continuation = []

    async def request() -> None:
        with lifecycle.in_flight():
            await release.wait()
            lifecycle.admit()  # a task called by the request: allowed while draining
            with lifecycle.in_flight():
                admitted_continuation.append(True)

    in_flight = asyncio.create_task(request())
    await run_until_blocked()
    draining = asyncio.create_task(lifecycle.drain(10.0))
    await clock.sleeping()
    with pytest.raises(ShutdownLockdownError):
        lifecycle.admit()  # new work from outside the request is refused
    assert not draining.done()

    release.set()
    assert await draining
    await in_flight
    assert admitted_continuation == [True]


async def test_drain_gives_up_after_its_budget_without_cancelling_stragglers() -> None:
    clock = FakeClock()
    lifecycle = Lifecycle("app", clock=clock)
    release = asyncio.Event()

    async def request() -> None:
        with lifecycle.in_flight():
            await release.wait()

    straggler = asyncio.create_task(request())
    await run_until_blocked()
    draining = asyncio.create_task(lifecycle.drain(3.0))
    await clock.sleeping()
    clock.advance(3.0)

    assert await draining is False
    assert not straggler.done()
    assert lifecycle.in_flight_count == 1
    release.set()
    await straggler
    assert await lifecycle.drain(3.0)


async def test_a_second_drain_waits_for_a_continuation_that_began_after_the_first() -> None:
    clock = FakeClock()
    lifecycle = Lifecycle("app", clock=clock)
    release_request = asyncio.Event()
    start_continuation = asyncio.Event()
    finish_continuation = asyncio.Event()

    async def continuation() -> None:
        await start_continuation.wait()
        with lifecycle.in_flight():
            await finish_continuation.wait()

    async def request() -> asyncio.Task[None]:
        with lifecycle.in_flight():
            await release_request.wait()
            return asyncio.create_task(continuation())  # inherits the in-flight context

    requesting = asyncio.create_task(request())
    await run_until_blocked()
    draining = asyncio.create_task(lifecycle.drain(10.0))
    await clock.sleeping()
    release_request.set()
    assert await draining
    follow_up = await requesting

    start_continuation.set()
    await run_until_blocked()
    assert lifecycle.in_flight_count == 1
    draining = asyncio.create_task(lifecycle.drain(10.0))
    await clock.sleeping()
    assert not draining.done()
    finish_continuation.set()
    assert await draining
    await follow_up


async def test_concurrent_drains_all_return_when_the_last_call_ends() -> None:
    clock = FakeClock()
    lifecycle = Lifecycle("app", clock=clock)
    release = asyncio.Event()
    follow_up_done = asyncio.Event()

    async def follow_up() -> None:
        await release.wait()
        with lifecycle.in_flight():  # a continuation finishing after the drains returned
            await asyncio.sleep(0)
        follow_up_done.set()

    async def request() -> None:
        with lifecycle.in_flight():
            asyncio.create_task(follow_up())  # noqa: RUF006 - awaited via follow_up_done
            await release.wait()

    requesting = asyncio.create_task(request())
    await run_until_blocked()
    drains = [asyncio.create_task(lifecycle.drain(10.0)) for _ in range(2)]
    await clock.sleeping(2)
    release.set()

    assert await asyncio.gather(*drains) == [True, True]
    await requesting
    await follow_up_done.wait()
    assert lifecycle.in_flight_count == 0


async def test_dispose_drains_in_flight_work_before_disposing() -> None:
    journal = Journal()
    lifecycle = Lifecycle("app")
    lifecycle.on_dispose("app.db", partial(journal.close, "db"))
    lifecycle.started()
    release = asyncio.Event()

    async def request() -> None:
        with lifecycle.in_flight():
            await release.wait()
            journal.lines.append("request done")

    in_flight = asyncio.create_task(request())
    await run_until_blocked()
    disposing = asyncio.create_task(lifecycle.dispose())
    await run_until_blocked()
    assert journal.lines == []

    release.set()
    await disposing
    await in_flight
    assert journal.lines == ["request done", "dispose db"]


async def test_dispose_proceeds_when_the_drain_budget_runs_out() -> None:
    clock = FakeClock()
    journal = Journal()
    lifecycle = Lifecycle("app", drain_budget=2.0, clock=clock)
    lifecycle.on_dispose("app.db", partial(journal.close, "db"))

    async def stuck_request() -> None:
        with lifecycle.in_flight():
            await asyncio.Event().wait()

    stuck = asyncio.create_task(stuck_request())
    await run_until_blocked()
    disposing = asyncio.create_task(lifecycle.dispose())
    await clock.sleeping()
    clock.advance(2.0)
    await disposing

    assert journal.lines == ["dispose db"]
    with pytest.raises(ShutdownLockdownError):
        lifecycle.admit()
    stuck.cancel()
    await asyncio.gather(stuck, return_exceptions=True)


# -- rollback: the generated start() pattern -----------------------------------------------------


@dataclass
class FakeApp:
    lifecycle: Lifecycle

    async def dispose(self) -> None:
        await self.lifecycle.dispose()


async def start_app(
    journal: Journal,
    inits: list[tuple[str, Callable[[], Awaitable[None]]]],
    disposers: Mapping[str, Callable[[], Awaitable[None]]] | None = None,
    lifecycle: Lifecycle | None = None,
) -> FakeApp:
    """What generated wiring does, with ``inits`` standing in for resource init calls."""
    lifecycle = lifecycle or Lifecycle("app")
    disposers = disposers or {}
    try:
        for resource_id, init in inits:
            await init()
            close = disposers.get(resource_id, partial(journal.close, resource_id))
            lifecycle.on_dispose(resource_id, close)
    except BaseException as error:
        await lifecycle.rollback(error)
        raise
    lifecycle.started()
    return FakeApp(lifecycle)


def init_ok(journal: Journal, name: str) -> Callable[[], Awaitable[None]]:
    async def init() -> None:
        journal.lines.append(f"init {name}")

    return init


def init_fail(journal: Journal, name: str) -> Callable[[], Awaitable[None]]:
    async def init() -> None:
        journal.lines.append(f"init {name}")
        raise ConnectionError(f"{name} unreachable")

    return init


async def test_start_failure_disposes_initialised_resources_in_reverse_and_keeps_the_error() -> (
    None
):
    journal = Journal()
    inits = [
        ("db", init_ok(journal, "db")),
        ("cache", init_ok(journal, "cache")),
        ("server", init_fail(journal, "server")),
    ]

    with pytest.raises(ConnectionError, match="server unreachable") as raised:
        await start_app(journal, inits)

    # The failed resource's init did not return, so it is not disposed.
    assert journal.lines == ["init db", "init cache", "init server", "dispose cache", "dispose db"]
    assert dispose_failures(raised.value) == ()
    assert not getattr(raised.value, "__notes__", [])


async def test_rollback_dispose_failures_become_notes_and_never_replace_the_error() -> None:
    journal = Journal()
    inits = [
        ("db", init_ok(journal, "db")),
        ("cache", init_ok(journal, "cache")),
        ("server", init_fail(journal, "server")),
    ]
    disposers = {"db": partial(journal.fail, "db")}

    with pytest.raises(ConnectionError) as raised:
        await start_app(journal, inits, disposers)

    assert journal.lines[-2:] == ["dispose cache", "dispose db"]
    [(resource_id, failure)] = dispose_failures(raised.value)
    assert resource_id == "db"
    assert str(failure) == "db is broken"
    assert raised.value.__notes__ == [
        'While rolling back app "app", resource "db" failed to dispose: ValueError: db is broken'
    ]
    assert raised.value.__context__ is None


async def test_rollback_returns_the_failures_and_dispose_after_rollback_reports_them() -> None:
    journal = Journal()
    lifecycle = Lifecycle("app")
    lifecycle.on_dispose("db", partial(journal.fail, "db"))
    error = RuntimeError("init failed")

    failures = await lifecycle.rollback(error)

    assert [resource_id for resource_id, _ in failures] == ["db"]
    assert lifecycle.failures == failures
    with pytest.raises(ValueError, match="db is broken"):
        await lifecycle.dispose()
    assert journal.lines == ["dispose db"]


async def test_rollback_does_not_drain() -> None:
    journal = Journal()
    lifecycle = Lifecycle("app")
    lifecycle.on_dispose("db", partial(journal.close, "db"))
    with lifecycle.in_flight():
        await lifecycle.rollback(RuntimeError("init failed"))
        assert journal.lines == ["dispose db"]


async def test_cancellation_during_start_rolls_back_and_stays_a_cancellation() -> None:
    journal = Journal()
    entered = asyncio.Event()

    async def slow_init() -> None:
        entered.set()
        await asyncio.Event().wait()

    inits = [("db", init_ok(journal, "db")), ("server", slow_init)]
    starting = asyncio.create_task(start_app(journal, inits))
    await entered.wait()

    starting.cancel()  # what SIGTERM during start does
    with pytest.raises(asyncio.CancelledError):
        await starting
    assert journal.lines == ["init db", "dispose db"]


async def test_a_second_cancellation_does_not_interrupt_the_rollback() -> None:
    journal = Journal()
    entered = asyncio.Event()
    closing = asyncio.Event()
    release = asyncio.Event()

    async def slow_init() -> None:
        entered.set()
        await asyncio.Event().wait()

    async def slow_close() -> None:
        closing.set()
        await release.wait()
        journal.lines.append("dispose cache")

    inits = [
        ("db", init_ok(journal, "db")),
        ("cache", init_ok(journal, "cache")),
        ("server", slow_init),
    ]
    starting = asyncio.create_task(start_app(journal, inits, {"cache": slow_close}))
    await entered.wait()
    starting.cancel()
    await closing.wait()

    starting.cancel()  # a second signal while rolling back
    await run_until_blocked()
    assert not starting.done()
    release.set()

    with pytest.raises(asyncio.CancelledError) as raised:
        await starting
    assert journal.lines == ["init db", "init cache", "dispose cache", "dispose db"]
    assert any("outlived a cancellation" in note for note in raised.value.__notes__)


async def test_rollback_cut_short_names_the_resources_left_undisposed() -> None:
    journal = Journal()
    closing = asyncio.Event()

    async def hang() -> None:
        closing.set()
        await asyncio.Event().wait()

    lifecycle = Lifecycle("app")
    lifecycle.on_dispose("db", partial(journal.close, "db"))
    lifecycle.on_dispose("cache", partial(journal.close, "cache"))
    lifecycle.on_dispose("server", hang)
    error = RuntimeError("init failed")
    rolling_back = asyncio.create_task(lifecycle.rollback(error))
    await closing.wait()

    # Event-loop teardown (a forced exit) cancels the disposal task itself.
    disposal = next(
        task for task in asyncio.all_tasks() if task.get_name().startswith("runner-lifecycle")
    )
    disposal.cancel()
    assert await rolling_back == ()
    assert journal.lines == []
    assert error.__notes__ == ['Rollback of app "app" was cut short; not disposed: "cache", "db"']


async def test_concurrent_inits_push_their_own_disposers_so_a_sibling_failure_leaks_nothing() -> (
    None
):
    journal = Journal()
    lifecycle = Lifecycle("app")
    db_ready = asyncio.Event()

    async def init_db() -> None:
        journal.lines.append("init db")
        db_ready.set()
        lifecycle.on_dispose("db", partial(journal.close, "db"))

    async def init_cache() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            journal.lines.append("init cache cancelled")
            raise

    async def init_server() -> None:
        await db_ready.wait()
        raise ConnectionError("server port taken")

    async def start_concurrently() -> None:
        try:
            # Independent resources started together; each pushes its disposer when its own
            # init returns, so the stack holds exactly what finished.
            async with asyncio.TaskGroup() as group:
                group.create_task(init_db())
                group.create_task(init_cache())
                group.create_task(init_server())
        except BaseException as error:
            await lifecycle.rollback(error)
            raise

    with pytest.raises(ExceptionGroup) as raised:
        await start_concurrently()

    assert journal.lines == ["init db", "init cache cancelled", "dispose db"]
    assert raised.group_contains(ConnectionError)


async def test_a_resource_whose_init_failed_is_not_disposed_even_when_first() -> None:
    journal = Journal()
    with pytest.raises(ConnectionError):
        await start_app(journal, [("db", init_fail(journal, "db"))])
    assert journal.lines == ["init db"]


async def test_a_started_app_disposes_everything_in_reverse() -> None:
    journal = Journal()
    inits = [(name, init_ok(journal, name)) for name in ("db", "cache", "server")]
    app = await start_app(journal, inits)
    assert app.lifecycle.state == "running"
    await app.dispose()
    assert journal.lines[3:] == ["dispose server", "dispose cache", "dispose db"]


async def failures_of_start_and_dispose(
    journal: Journal,
    inits: list[tuple[str, Callable[[], Awaitable[None]]]],
    disposers: Mapping[str, Callable[[], Awaitable[None]]],
) -> tuple[bool, list[str]]:
    """(start failed, ids of failed disposers) as start_app + dispose report them."""
    start_error: ConnectionError | None = None
    try:
        app = await start_app(journal, inits, disposers)
    except ConnectionError as error:
        start_error = error
    if start_error is not None:
        return True, [resource_id for resource_id, _ in dispose_failures(start_error)]
    try:
        await app.dispose()
    except DisposeError as error:
        return False, [rid for rid, _ in error.errors]
    except ValueError:  # one failure, raised as is: the lifecycle still lists it
        return False, [rid for rid, _ in app.lifecycle.failures]
    return False, []


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(min_value=0, max_value=8),
    fail_at=st.one_of(st.none(), st.integers(min_value=0, max_value=7)),
    broken_disposers=st.sets(st.integers(min_value=0, max_value=7)),
)
def test_property_disposed_set_is_the_initialised_set_in_reverse(
    count: int, fail_at: int | None, broken_disposers: set[int]
) -> None:
    async def scenario() -> None:
        journal = Journal()
        names = [f"r{index}" for index in range(count)]
        inits = [
            (name, init_fail(journal, name) if index == fail_at else init_ok(journal, name))
            for index, name in enumerate(names)
        ]
        disposers = {
            names[index]: partial(journal.fail, names[index])
            for index in broken_disposers
            if index < count
        }
        failed = fail_at is not None and fail_at < count
        initialised = names[:fail_at] if failed else names
        expected_failures = [name for name in reversed(initialised) if name in disposers]
        reported = await failures_of_start_and_dispose(journal, inits, disposers)
        assert reported == (failed, expected_failures)
        disposed = [
            line.removeprefix("dispose ") for line in journal.lines if line.startswith("dispose")
        ]
        assert disposed == list(reversed(initialised))

    asyncio.run(scenario())
