"""timeout: fail a call with ``TaskTimeoutError`` when it runs longer than ``ttl`` ms."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from runner_gen.runtime.clock import SYSTEM_CLOCK, Clock
from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.journal import CURRENT_JOURNAL, JournalKey
from runner_gen.runtime.middleware.deadline import DEADLINE
from runner_gen.runtime.middleware.errors import MiddlewareConfigError, TaskTimeoutError
from runner_gen.runtime.middleware.protocol import Middleware

logger = logging.getLogger("runner_gen.middleware.timeout")


@dataclass(frozen=True, slots=True)
class TimeoutConfig:
    """``ttl``: milliseconds the call may take (Runner's default 5000); 0 fails at once."""

    ttl: int = 5000

    def __post_init__(self) -> None:
        if self.ttl < 0:
            raise MiddlewareConfigError(f"timeout ttl must be >= 0 ms, got {self.ttl}")


class TimeoutAbort:
    """Ends a running call's timeout now (Runner's ``abortController.abort()``): the call is
    cancelled and fails with ``TaskTimeoutError``, as if its ``ttl`` had passed. A layer inside
    the timeout finds it in a journaled chain under ``TIMEOUT_ABORT``."""

    __slots__ = ("_end", "aborted")

    def __init__(self, end: Callable[[], None]) -> None:
        self._end = end
        self.aborted = False

    def abort(self) -> None:
        if not self.aborted:
            self.aborted = True
            self._end()


#: timeout: the running call's ``TimeoutAbort`` (Runner's ``abortController`` key, same id).
TIMEOUT_ABORT: Final = JournalKey[TimeoutAbort]("globals.middleware.timeout.abortController")


class TimeoutMiddleware(Middleware[TimeoutConfig]):
    """Bounds each call with ``asyncio.timeout`` and publishes the deadline for inner layers.

    The timer runs on the event loop's clock (``asyncio.timeout`` has no other); the injected
    clock stamps the published deadline, which is what retry compares its backoff against. With
    ``SYSTEM_CLOCK`` both are ``time.monotonic``.
    """

    __slots__ = ("_clock",)

    def __init__(self, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self._clock = clock

    def wrap(self, next: Next, info: DefinitionInfo, config: TimeoutConfig) -> Next:
        ttl_ms = config.ttl
        ttl_s = ttl_ms / 1000
        task_id = info.id
        clock = self._clock
        deadline_var = DEADLINE

        if ttl_ms == 0:

            async def expired(input: Any) -> Any:
                raise TaskTimeoutError(0, task_id=task_id, deadline=clock.now())

            return expired

        # Decided once: only a journaled chain publishes the abort handle (no lookup elsewhere).
        journaled = info.journaled
        if clock is not SYSTEM_CLOCK:
            return _bounded_by_clock(next, clock, ttl_ms, task_id, journaled)

        async def bounded(input: Any) -> Any:
            own_deadline = clock.now() + ttl_s
            enclosing = deadline_var.get()
            token = deadline_var.set(
                own_deadline if enclosing is None or own_deadline < enclosing else enclosing
            )
            try:
                async with asyncio.timeout(ttl_s) as scope:
                    if journaled:
                        CURRENT_JOURNAL.get().set(TIMEOUT_ABORT, _ender(scope), override=True)
                    result = await next(input)
            except TimeoutError:
                # Only our own expiry becomes a TaskTimeoutError; an outer cancellation arrives
                # here as CancelledError instead and keeps propagating untouched.
                if scope.expired():
                    raise TaskTimeoutError(ttl_ms, task_id=task_id, deadline=own_deadline) from None
                raise
            finally:
                deadline_var.reset(token)
            if scope.expired():
                # The body swallowed the cancellation and returned anyway: its result arrived
                # after the caller's budget, so the caller still gets the timeout.
                logger.warning(
                    "task %s swallowed the cancellation of its %dms timeout", task_id, ttl_ms
                )
                raise TaskTimeoutError(ttl_ms, task_id=task_id, deadline=own_deadline)
            return result

        return bounded


def _ender(scope: asyncio.Timeout) -> TimeoutAbort:
    """Aborting moves the scope's deadline to now: it expires on the loop's next turn."""

    def end() -> None:
        # A RuntimeError: the call is over (the scope exited), nothing left to abort.
        with contextlib.suppress(RuntimeError):
            scope.reschedule(asyncio.get_running_loop().time())

    return TimeoutAbort(end)


def _bounded_by_clock(next: Next, clock: Clock, ttl_ms: int, task_id: str, journaled: bool) -> Next:
    """The timeout on an injected clock (a test's ``FakeClock``): a watcher sleeps on that
    clock and cancels the call when the budget is spent. Only tests take this path; the system
    clock uses ``asyncio.timeout`` and no extra task."""
    ttl_s = ttl_ms / 1000

    async def bounded(input: Any) -> Any:
        caller = asyncio.current_task()
        assert caller is not None  # middleware run inside a task
        own_deadline = clock.now() + ttl_s
        enclosing = DEADLINE.get()
        token = DEADLINE.set(
            own_deadline if enclosing is None or own_deadline < enclosing else enclosing
        )
        expired = settled = False

        def expire() -> None:
            nonlocal expired
            if not expired and not settled:  # an abort after the call is over does nothing
                expired = True
                caller.cancel()

        async def watch() -> None:
            await clock.sleep(ttl_s)
            expire()

        watcher = asyncio.ensure_future(watch())
        if journaled:
            CURRENT_JOURNAL.get().set(TIMEOUT_ABORT, TimeoutAbort(expire), override=True)
        try:
            return await next(input)
        except asyncio.CancelledError:
            if expired:
                caller.uncancel()
                raise TaskTimeoutError(ttl_ms, task_id=task_id, deadline=own_deadline) from None
            raise
        finally:
            settled = True
            watcher.cancel()
            DEADLINE.reset(token)

    return bounded
