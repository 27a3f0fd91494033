from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from runner_gen.runtime.errors import RunnerError
from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.middleware import (
    MiddlewareConfigError,
    TaskTimeoutError,
    TimeoutConfig,
    TimeoutMiddleware,
    current_deadline,
    deadline_scope,
)

from .fakes import FakeClock, settle, spawn

INFO = DefinitionInfo("app.tasks.slow")


async def hang(input: Any) -> Any:
    await asyncio.Event().wait()


def test_defaults_mirror_runner() -> None:
    assert TimeoutConfig().ttl == 5000


def test_negative_ttl_is_a_config_error() -> None:
    with pytest.raises(MiddlewareConfigError, match="ttl"):
        TimeoutConfig(ttl=-1)


async def test_ttl_zero_fails_at_once_without_running_the_task() -> None:
    calls: list[Any] = []

    async def task(input: Any) -> Any:
        calls.append(input)

    chain = TimeoutMiddleware().wrap(task, INFO, TimeoutConfig(ttl=0))
    with pytest.raises(TaskTimeoutError, match="Operation timed out after 0ms"):
        await chain(1)
    assert calls == []


async def test_expiry_raises_typed_timeout_not_builtin_or_cancelled() -> None:
    chain = TimeoutMiddleware().wrap(hang, INFO, TimeoutConfig(ttl=20))
    with pytest.raises(TaskTimeoutError) as caught:
        await chain(None)
    error = caught.value
    assert isinstance(error, RunnerError)
    assert not isinstance(error, TimeoutError)
    assert error.id == "runner.errors.middleware.timeout"
    assert str(error) == "Operation timed out after 20ms"
    assert error.task_id == "app.tasks.slow"
    assert error.__suppress_context__  # no asyncio internals chained onto the user's error


async def test_the_task_body_is_cancelled_so_its_cleanup_runs() -> None:
    cleaned_up = asyncio.Event()

    async def task(input: Any) -> Any:
        try:
            await asyncio.Event().wait()
        finally:
            cleaned_up.set()

    chain = TimeoutMiddleware().wrap(task, INFO, TimeoutConfig(ttl=10))
    with pytest.raises(TaskTimeoutError):
        await chain(None)
    assert cleaned_up.is_set()


async def test_outer_cancellation_propagates_as_cancelled_error() -> None:
    started = asyncio.Event()

    async def task(input: Any) -> Any:
        started.set()
        await asyncio.Event().wait()

    chain = TimeoutMiddleware().wrap(task, INFO, TimeoutConfig(ttl=5000))
    running = spawn(chain(None))
    await started.wait()
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running


async def test_a_timeout_error_raised_by_the_task_itself_is_not_relabelled() -> None:
    async def task(input: Any) -> Any:
        raise TimeoutError("socket read timed out")

    chain = TimeoutMiddleware().wrap(task, INFO, TimeoutConfig(ttl=5000))
    with pytest.raises(TimeoutError, match="socket read timed out") as caught:
        await chain(None)
    assert not isinstance(caught.value, TaskTimeoutError)


async def test_task_errors_pass_through_unchanged() -> None:
    boom = ValueError("boom")

    async def task(input: Any) -> Any:
        raise boom

    chain = TimeoutMiddleware().wrap(task, INFO, TimeoutConfig(ttl=5000))
    with pytest.raises(ValueError) as caught:
        await chain(None)
    assert caught.value is boom


async def test_a_body_that_swallows_cancellation_still_ends_in_timeout_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def stubborn(input: Any) -> Any:
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            return "late result"  # swallowing cancellation: the bug this guards against
        return "never"

    chain = TimeoutMiddleware().wrap(stubborn, INFO, TimeoutConfig(ttl=10))
    with (
        caplog.at_level(logging.WARNING, logger="runner_gen.middleware.timeout"),
        pytest.raises(TaskTimeoutError, match="after 10ms"),
    ):
        await chain(None)
    assert any("app.tasks.slow" in record.getMessage() for record in caplog.records)
    assert {record.name for record in caplog.records} == {"runner_gen.middleware.timeout"}


async def test_success_returns_the_result_and_publishes_the_deadline_inside_only() -> None:
    clock = FakeClock(start=100.0)
    seen: list[float | None] = []

    async def task(input: Any) -> Any:
        seen.append(current_deadline())
        return input * 2

    chain = TimeoutMiddleware(clock=clock).wrap(task, INFO, TimeoutConfig(ttl=1500))
    assert await chain(21) == 42
    assert seen == [101.5]
    assert current_deadline() is None


async def test_deadline_is_restored_after_a_timeout() -> None:
    chain = TimeoutMiddleware().wrap(hang, INFO, TimeoutConfig(ttl=5))
    with deadline_scope(10**9), pytest.raises(TaskTimeoutError):
        await chain(None)
    assert current_deadline() is None


def nest(outer_ttl: int, inner_ttl: int, body: Next, clock: FakeClock | None = None) -> Next:
    middleware = TimeoutMiddleware(clock=clock) if clock else TimeoutMiddleware()
    inner = middleware.wrap(body, DefinitionInfo("app.inner"), TimeoutConfig(ttl=inner_ttl))
    return middleware.wrap(inner, DefinitionInfo("app.outer"), TimeoutConfig(ttl=outer_ttl))


async def test_nested_a_callers_shorter_deadline_wins() -> None:
    chain = nest(outer_ttl=20, inner_ttl=60_000, body=hang)
    with pytest.raises(TaskTimeoutError) as caught:
        await chain(None)
    assert str(caught.value) == "Operation timed out after 20ms"
    assert caught.value.task_id == "app.outer"


async def test_nested_an_inner_shorter_timeout_fires_first_and_passes_through_the_outer() -> None:
    chain = nest(outer_ttl=60_000, inner_ttl=20, body=hang)
    with pytest.raises(TaskTimeoutError) as caught:
        await chain(None)
    assert caught.value.task_id == "app.inner"


async def test_nested_deadline_seen_by_the_body_is_the_shorter_one() -> None:
    clock = FakeClock(start=0.0)
    seen: list[float | None] = []

    async def task(input: Any) -> Any:
        seen.append(current_deadline())

    await nest(outer_ttl=1000, inner_ttl=5000, body=task, clock=clock)(None)
    await nest(outer_ttl=5000, inner_ttl=1000, body=task, clock=clock)(None)
    assert seen == [1.0, 1.0]


async def test_concurrent_calls_do_not_share_deadlines() -> None:
    clock = FakeClock(start=0.0)
    seen: dict[str, float | None] = {}

    async def task(input: Any) -> Any:
        await settle()
        seen[input] = current_deadline()

    middleware = TimeoutMiddleware(clock=clock)
    short = middleware.wrap(task, INFO, TimeoutConfig(ttl=1000))
    long = middleware.wrap(task, INFO, TimeoutConfig(ttl=9000))
    await asyncio.gather(short("short"), long("long"))
    assert seen == {"short": 1.0, "long": 9.0}
