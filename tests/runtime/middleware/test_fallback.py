from __future__ import annotations

import asyncio
from typing import Any

import pytest

from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.middleware import FallbackConfig, FallbackMiddleware, FallbackTask

INFO = DefinitionInfo("app.tasks.price")


async def failing(input: Any) -> Any:
    raise LookupError(f"no price for {input}")


async def working(input: Any) -> Any:
    return f"price of {input}"


def with_fallback(task: Next, fallback: Any) -> Next:
    return FallbackMiddleware().wrap(task, INFO, FallbackConfig(fallback=fallback))


async def test_success_returns_the_primary_result_and_never_calls_the_fallback() -> None:
    called = False

    def fallback(error: Exception, input: Any) -> Any:
        nonlocal called
        called = True

    assert await with_fallback(working, fallback)("tea") == "price of tea"
    assert not called


async def test_a_plain_value_is_returned_on_failure() -> None:
    assert await with_fallback(failing, 0)("tea") == 0
    assert await with_fallback(failing, None)("tea") is None


async def test_a_sync_function_gets_the_error_and_the_input() -> None:
    seen: list[tuple[str, Any]] = []

    def fallback(error: Exception, input: Any) -> Any:
        seen.append((str(error), input))
        return "default"

    assert await with_fallback(failing, fallback)("tea") == "default"
    assert seen == [("no price for tea", "tea")]


async def test_an_async_function_is_awaited() -> None:
    async def fallback(error: Exception, input: Any) -> Any:
        await asyncio.sleep(0)
        return f"cached {input} after {type(error).__name__}"

    assert await with_fallback(failing, fallback)("tea") == "cached tea after LookupError"


async def test_a_fallback_task_runs_with_the_same_input() -> None:
    async def other_task(input: Any) -> Any:
        return f"backup price of {input}"

    chain = with_fallback(failing, FallbackTask(other_task))
    assert await chain("tea") == "backup price of tea"


async def test_cancellation_is_not_caught() -> None:
    async def cancelled(input: Any) -> Any:
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await with_fallback(cancelled, "never")("tea")


async def test_a_failing_fallback_raises_its_own_error_with_the_original_as_context() -> None:
    def fallback(error: Exception, input: Any) -> Any:
        raise RuntimeError("backup down too")

    with pytest.raises(RuntimeError, match="backup down too") as caught:
        await with_fallback(failing, fallback)("tea")
    assert isinstance(caught.value.__context__, LookupError)


async def test_a_failing_fallback_task_propagates_its_error() -> None:
    async def broken(input: Any) -> Any:
        raise RuntimeError("backup task down")

    with pytest.raises(RuntimeError, match="backup task down"):
        await with_fallback(failing, FallbackTask(broken))("tea")
