"""Emitting with Runner's failure modes, typed hook failures, and retry that does not redo work
because a listener failed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest

from runner_gen import Emission, EmitReport, HookError
from runner_gen.runtime.emitting import HookCall, bind_emitter, emitter, run_hooks
from runner_gen.runtime.errors import HookErrorGroup
from runner_gen.runtime.events import OUTSIDE, FailureMode
from runner_gen.runtime.info import DefinitionInfo
from runner_gen.runtime.middleware import RetryConfig, RetryMiddleware, TaskTimeoutError
from runner_gen.runtime.middleware.retry import is_hook_failure, not_after_hooks


class SmtpDown(ConnectionError):
    pass


@dataclass
class Listeners:
    ran: list[str] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)
    stopping: set[str] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)

    def hook(self, hook_id: str, order: int) -> HookCall:
        async def run(emission: Emission[Any]) -> None:
            self.ran.append(hook_id)
            self.sources.append(emission.source)
            if hook_id in self.stopping:
                emission.stop_propagation()
            if hook_id in self.failing:
                raise SmtpDown(f"{hook_id} failed")

        return HookCall(hook_id, order, run)

    def hooks(self) -> tuple[HookCall, ...]:
        return (self.hook("app.hooks.mail", 1), self.hook("app.hooks.audit", 2))


EVENT = "app.events.user_registered"


async def test_by_default_the_first_failing_hook_stops_the_emission_as_a_hook_error() -> None:
    listeners = Listeners(failing={"app.hooks.mail"})

    with pytest.raises(HookError) as raised:
        await run_hooks(Emission(EVENT, "ada"), listeners.hooks())

    error = raised.value
    assert (error.hook_id, error.order, error.event_id) == ("app.hooks.mail", 1, EVENT)
    assert isinstance(error.cause, SmtpDown)
    assert error.__cause__ is error.cause
    assert error.id == "runner.errors.hookFailed"
    assert 'Hook "app.hooks.mail" (order 1) failed on event' in str(error)
    assert listeners.ran == ["app.hooks.mail"]


async def test_aggregate_runs_every_hook_then_raises_the_one_failure_as_itself() -> None:
    listeners = Listeners(failing={"app.hooks.mail"})

    with pytest.raises(HookError) as raised:
        await run_hooks(Emission(EVENT, "ada"), listeners.hooks(), failure_mode="aggregate")

    assert raised.value.hook_id == "app.hooks.mail"
    assert listeners.ran == ["app.hooks.mail", "app.hooks.audit"]


async def test_aggregate_with_several_failures_raises_a_group_with_the_report() -> None:
    listeners = Listeners(failing={"app.hooks.mail", "app.hooks.audit"})

    with pytest.raises(HookErrorGroup) as raised:
        await run_hooks(Emission(EVENT, "ada"), listeners.hooks(), failure_mode="aggregate")

    group = raised.value
    failed = [error for error in group.exceptions if isinstance(error, HookError)]
    assert [error.hook_id for error in failed] == ["app.hooks.mail", "app.hooks.audit"]
    assert group.report.failed_listeners == 2
    assert is_hook_failure(group)
    handled: list[BaseException] = []
    try:
        raise group
    except* HookError as caught:  # the idiomatic way to handle every failed hook
        handled.extend(caught.exceptions)
    assert len(handled) == 2


async def test_without_throwing_every_hook_runs_and_the_report_tells() -> None:
    listeners = Listeners(failing={"app.hooks.mail"})

    report = await run_hooks(Emission(EVENT, "ada"), listeners.hooks(), throw_on_error=False)

    assert listeners.ran == ["app.hooks.mail", "app.hooks.audit"]  # fail-fast became aggregate
    assert report == EmitReport(
        total_listeners=2,
        attempted_listeners=2,
        succeeded_listeners=1,
        failed_listeners=1,
        errors=report.errors,
    )
    [error] = report.errors
    assert error.hook_id == "app.hooks.mail"


async def test_stop_propagation_ends_the_emission_and_is_reported() -> None:
    listeners = Listeners(stopping={"app.hooks.mail"})

    report = await run_hooks(Emission(EVENT, "ada"), listeners.hooks())

    assert listeners.ran == ["app.hooks.mail"]
    assert report.propagation_stopped
    assert (report.attempted_listeners, report.skipped_listeners) == (1, 0)


async def test_a_hook_does_not_hear_its_own_emission() -> None:
    listeners = Listeners()

    report = await run_hooks(Emission(EVENT, "ada", source="app.hooks.mail"), listeners.hooks())

    assert listeners.ran == ["app.hooks.audit"]
    assert report.skipped_listeners == 1


async def test_sync_hooks_run_too() -> None:
    seen: list[str] = []
    hooks = (HookCall("app.hooks.sync", 0, lambda emission: seen.append(emission.data)),)
    report = await run_hooks(Emission(EVENT, "ada"), hooks)
    assert seen == ["ada"]
    assert report.succeeded_listeners == 1


async def test_a_cancelled_hook_cancels_the_emission_unwrapped() -> None:
    started = asyncio.Event()

    async def slow(emission: Emission[Any]) -> None:
        started.set()
        await asyncio.Event().wait()

    emitting = asyncio.create_task(run_hooks(Emission(EVENT, 1), (HookCall("app.h", 0, slow),)))
    await started.wait()
    emitting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await emitting


async def test_an_emitter_binds_its_source_and_offers_a_report() -> None:
    listeners = Listeners(failing={"app.hooks.mail"})
    emit = emitter(EVENT, listeners.hooks(), source="app.tasks.register_user")

    with pytest.raises(HookError):
        await emit("ada")
    report = await emit.report("grace")
    with pytest.raises(HookError):
        await emit.report("alan", failure_mode="fail-fast", throw_on_error=True)
    await emit("linus", throw_on_error=False)

    assert report.failed_listeners == 1
    assert report.succeeded_listeners == 1
    assert set(listeners.sources) == {"app.tasks.register_user"}
    outside = emitter(EVENT, ())
    assert (await outside.report("x")).total_listeners == 0


async def test_bind_emitter_reuses_one_emitter_for_several_sources() -> None:
    sources: list[str] = []

    async def emit(
        payload: str,
        /,
        *,
        failure_mode: FailureMode = "fail-fast",
        throw_on_error: bool = True,
        source: str = OUTSIDE,
    ) -> None:
        sources.append(source)

    async def report(
        payload: str,
        /,
        *,
        failure_mode: FailureMode = "aggregate",
        throw_on_error: bool = False,
        source: str = OUTSIDE,
    ) -> EmitReport:
        sources.append(f"report from {source}")
        return EmitReport(0)

    from_task = bind_emitter(emit, report, "app.tasks.a")
    from_outside = bind_emitter(emit, report, OUTSIDE)
    await from_task("x")
    await from_outside("x")
    await from_task.report("x")

    assert sources == ["app.tasks.a", "outside", "report from app.tasks.a"]


# -- retry does not redo a task's work because a listener failed -------------------------------


@dataclass
class Users:
    """A non-idempotent insert, as in the README: every call adds a row."""

    rows: list[str] = field(default_factory=list)


def register_task(users: Users, mail_failures: list[int]) -> Any:
    async def mail(emission: Emission[Any]) -> None:
        if mail_failures:
            mail_failures.pop()
            raise SmtpDown("mail server hiccup")

    emit = emitter(EVENT, (HookCall("app.hooks.mail", 1, mail),))

    async def register(name: str) -> str:
        users.rows.append(name)
        await emit(name)
        return name

    return register


def no_delay(attempt: int, error: Exception) -> float:
    return 0.0


async def test_retry_does_not_rerun_a_task_whose_hook_failed() -> None:
    users = Users()
    register = RetryMiddleware().wrap(
        register_task(users, mail_failures=[1]),
        DefinitionInfo("app.tasks.register_user"),
        RetryConfig(retries=3, delay_strategy=no_delay),
    )

    with pytest.raises(HookError) as raised:
        await register("Ada")

    assert users.rows == ["Ada"]  # one user, not two: the insert was not repeated
    assert isinstance(raised.value.cause, SmtpDown)


async def test_retry_on_opts_in_to_retrying_hook_failures() -> None:
    users = Users()
    register = RetryMiddleware().wrap(
        register_task(users, mail_failures=[1]),
        DefinitionInfo("app.tasks.register_user"),
        RetryConfig(retries=3, delay_strategy=no_delay, retry_on=lambda error: True),
    )

    assert await register("Ada") == "Ada"
    assert users.rows == ["Ada", "Ada"]  # what opting in means for a non-idempotent task


async def test_retry_still_retries_the_tasks_own_failures() -> None:
    attempts: list[int] = []

    async def flaky(input: None) -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise TaskTimeoutError(10, task_id="app.tasks.flaky", deadline=0.0)
        return "ok"

    wrapped = RetryMiddleware().wrap(
        flaky, DefinitionInfo("app.tasks.flaky"), RetryConfig(retries=3, delay_strategy=no_delay)
    )
    assert await wrapped(None) == "ok"
    assert len(attempts) == 3


def test_the_default_retry_on_refuses_hook_failures_alone() -> None:
    hook_error = HookError("app.hooks.mail", 1, EVENT, SmtpDown("x"))
    assert not not_after_hooks(hook_error)
    assert not not_after_hooks(HookErrorGroup("2 hooks failed", [hook_error, hook_error]))
    mixed = ExceptionGroup("mixed", [hook_error, ValueError("own work")])
    assert not_after_hooks(mixed)  # the task's own work failed too: retry as before
    assert not_after_hooks(SmtpDown("the task's own call"))
