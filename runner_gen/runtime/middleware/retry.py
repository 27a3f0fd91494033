"""retry: run the call again after a failure, with exponential backoff."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runner_gen.runtime.clock import SYSTEM_CLOCK, Clock
from runner_gen.runtime.errors import HookError, Rejection
from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.journal import CURRENT_JOURNAL
from runner_gen.runtime.middleware.deadline import current_deadline
from runner_gen.runtime.middleware.errors import MiddlewareConfigError, TaskTimeoutError
from runner_gen.runtime.middleware.journal_keys import RETRY_ATTEMPT, RETRY_LAST_ERROR
from runner_gen.runtime.middleware.protocol import Middleware

#: ``(attempt, error) -> milliseconds`` to wait before the retry; ``attempt`` counts from 0.
DelayStrategy = Callable[[int, Exception], float]
#: ``error -> True`` to give up at once and rethrow ``error``.
StopRetryIf = Callable[[Exception], bool]
#: ``error -> True`` when ``error`` may be retried at all.
RetryOn = Callable[[Exception], bool]


def stop_on_rejection(error: Exception) -> bool:
    """The default ``stop_retry_if``: a refusal (open circuit, rate limit, full queue, shutdown)
    will only be refused again. Timeouts and an unavailable Redis are retried."""
    return isinstance(error, Rejection) and not error.retryable


def is_hook_failure(error: BaseException) -> bool:
    """True for a ``HookError``, or a group of them (an emission in aggregate mode)."""
    if isinstance(error, HookError):
        return True
    return isinstance(error, BaseExceptionGroup) and all(
        is_hook_failure(inner) for inner in error.exceptions
    )


def not_after_hooks(error: Exception) -> bool:
    """The default ``retry_on``: anything but a hook's failure.

    A ``HookError`` reaches the task from an event it emitted, so the task's own work (the
    insert before the emit) already happened: running the task again would do it twice. Opt in
    with ``retry_on=lambda error: True`` when the task is idempotent (an idempotency key).
    """
    return not is_hook_failure(error)


@dataclass(frozen=True, slots=True)
class RetryConfig:
    """Runner's retry: ``retries`` extra attempts (default 3) after the first failure.

    ``delay_strategy`` defaults to ``100 * 2**attempt`` ms plus jitter in ``[0, base / 2)``.
    An error is retried when ``retry_on(error)`` is true and ``stop_retry_if(error)`` is not.
    ``retry_on`` defaults to ``not_after_hooks`` (everything but a ``HookError``: the task's own
    work already happened); ``stop_retry_if`` (Runner's option) defaults to
    ``stop_on_rejection``. A custom predicate replaces its default (compose to keep it).
    Cancellation is never retried, whatever the predicates say.
    """

    retries: int = 3
    delay_strategy: DelayStrategy | None = None
    stop_retry_if: StopRetryIf | None = None
    retry_on: RetryOn | None = None

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise MiddlewareConfigError(f"retry retries must be >= 0, got {self.retries}")


class RetryMiddleware(Middleware[RetryConfig]):
    """Retries on ``Exception`` only, so ``CancelledError`` (a ``BaseException``) always escapes."""

    __slots__ = ("_clock", "_jitter")

    def __init__(
        self, *, clock: Clock = SYSTEM_CLOCK, jitter: Callable[[], float] = random.random
    ) -> None:
        """``jitter`` returns a float in ``[0, 1)``; inject a constant for reproducible delays."""
        self._clock = clock
        self._jitter = jitter

    def default_delay_ms(self, attempt: int, error: Exception) -> float:
        """Runner's default backoff: ``100 * 2**attempt`` ms plus up to half of that as jitter."""
        base = 100.0 * 2.0**attempt
        return base + self._jitter() * (base / 2)

    def wrap(self, next: Next, info: DefinitionInfo, config: RetryConfig) -> Next:
        retries = config.retries
        delay_ms = config.delay_strategy or self.default_delay_ms
        stop_retry_if = config.stop_retry_if or stop_on_rejection
        retry_on = config.retry_on or not_after_hooks
        clock = self._clock

        async def may_retry(attempt: int, error: Exception) -> bool:
            """False when ``error`` is final; else True once the backoff has been slept."""
            if attempt >= retries or not retry_on(error) or stop_retry_if(error):
                return False
            deadline = current_deadline()
            if (
                deadline is not None
                and isinstance(error, TaskTimeoutError)
                and error.deadline >= deadline
            ):
                return False  # the caller's own budget ran out, not this attempt's
            # A backoff that outlasts an enclosing timeout is still slept, as in Runner 5.5:
            # the timeout ends it and the caller gets the timeout error at its deadline, not
            # this attempt's error early.
            await clock.sleep(max(delay_ms(attempt, error), 0.0) / 1000)
            return True

        async def retrying(input: Any) -> Any:
            attempt = 0
            while True:
                try:
                    return await next(input)
                except Exception as error:
                    if not await may_retry(attempt, error):
                        raise
                    attempt += 1

        async def retrying_journaled(input: Any) -> Any:
            journal = CURRENT_JOURNAL.get()
            journal.set(RETRY_ATTEMPT, 0, override=True)
            attempt = 0
            while True:
                try:
                    return await next(input)
                except Exception as error:
                    if not await may_retry(attempt, error):
                        raise
                    attempt += 1
                    journal.set(RETRY_ATTEMPT, attempt, override=True)
                    journal.set(RETRY_LAST_ERROR, error, override=True)

        if info.journaled:
            return retrying_journaled
        return retrying
