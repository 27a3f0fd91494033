"""fallback: when the call fails, answer with a value, a function of the error, or another task."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.journal import CURRENT_JOURNAL
from runner_gen.runtime.middleware.journal_keys import FALLBACK_ACTIVE, FALLBACK_ERROR
from runner_gen.runtime.middleware.protocol import Middleware


@dataclass(frozen=True, slots=True)
class FallbackTask:
    """Another task's callable, run with the same input (how the generator passes a task)."""

    call: Next


@dataclass(frozen=True, slots=True)
class FallbackConfig:
    """``fallback`` is one of:

    - a ``FallbackTask``: awaited with the failed call's input;
    - a callable ``(error, input) -> value``, sync or async (an awaitable result is awaited);
    - any other value, returned as is. To return a callable itself, wrap it in a function.
    """

    fallback: Any


def _answer_with_task(task: FallbackTask) -> Callable[[Exception, Any], Awaitable[Any]]:
    call = task.call

    async def answer(error: Exception, input: Any) -> Any:
        return await call(input)

    return answer


def _answer_with_function(
    function: Callable[[Exception, Any], Any],
) -> Callable[[Exception, Any], Awaitable[Any]]:
    async def answer(error: Exception, input: Any) -> Any:
        value = function(error, input)
        if isinstance(value, Awaitable):
            return await value
        return value

    return answer


def _answer_with_value(value: Any) -> Callable[[Exception, Any], Awaitable[Any]]:
    async def answer(error: Exception, input: Any) -> Any:
        return value

    return answer


class FallbackMiddleware(Middleware[FallbackConfig]):
    """Catches ``Exception`` only: cancellation is not a failure to paper over."""

    __slots__ = ()

    def wrap(self, next: Next, info: DefinitionInfo, config: FallbackConfig) -> Next:
        fallback = config.fallback
        # Decided once here, not per failure: which kind of fallback this is.
        if isinstance(fallback, FallbackTask):
            answer = _answer_with_task(fallback)
        elif callable(fallback):
            answer = _answer_with_function(fallback)
        else:
            answer = _answer_with_value(fallback)

        async def with_fallback(input: Any) -> Any:
            try:
                return await next(input)
            except Exception as error:
                return await answer(error, input)

        async def with_fallback_journaled(input: Any) -> Any:
            journal = CURRENT_JOURNAL.get()
            journal.set(FALLBACK_ACTIVE, False, override=True)
            try:
                return await next(input)
            except Exception as error:
                journal.set(FALLBACK_ACTIVE, True, override=True)
                journal.set(FALLBACK_ERROR, error, override=True)
                return await answer(error, input)

        return with_fallback_journaled if info.journaled else with_fallback


def fallback_to_task(config: FallbackConfig, run: Next) -> FallbackConfig:
    """The config with its fallback task definition replaced by that task's wired callable
    (generated code calls this once at start)."""
    return FallbackConfig(FallbackTask(run))
