"""Running one disposer within its timeout, and saying where an abandoned one was stuck.

A disposer that overruns is cancelled and *abandoned*: not awaited again, so one that ignores
cancellation cannot hold the others (or the process) hostage. Sync disposers run on the event
loop and cannot be interrupted; a blocking one should be async (or use ``asyncio.to_thread``).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from types import FrameType
from typing import Any, Final, TypeAlias

from runner_gen.runtime.clock import Clock
from runner_gen.runtime.errors import RunnerError

#: Releases one resource; may be sync or return an awaitable (``partial(close_db, db)``).
Disposer: TypeAlias = Callable[[], Awaitable[object] | object]

#: ``(resource_id, error)`` for one disposer that failed or timed out.
DisposeFailure: TypeAlias = tuple[str, BaseException]

_ASYNCIO_DIR: Final = os.path.dirname(asyncio.__file__) + os.sep


class DisposeTimeoutError(RunnerError):
    """A disposer did not finish within its dispose timeout (or the shutdown budget)."""

    id = "runner.errors.dispose_timeout"

    def __init__(self, message: str, *, stuck_at: str | None = None) -> None:
        super().__init__(
            message, remediation="Make its dispose finish faster, or raise its dispose_timeout."
        )
        #: ``function (file:line)`` where the abandoned disposer was waiting, when known.
        self.stuck_at = stuck_at


async def call_disposer(fn: Disposer) -> None:
    result = fn()
    if result is not None and hasattr(result, "__await__"):
        await result


async def finishes_within(clock: Clock, seconds: float, awaited: asyncio.Future[Any]) -> bool:
    """Wait for ``awaited`` (never cancelling it) for up to ``seconds`` of ``clock`` time."""
    if seconds <= 0:
        await asyncio.sleep(0)  # let it take its first step, as a zero timeout would
        return awaited.done()
    sleeper = asyncio.ensure_future(clock.sleep(seconds))
    try:
        await asyncio.wait({awaited, sleeper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        sleeper.cancel()
    return awaited.done()


async def dispose_within(
    resource_id: str, fn: Disposer, seconds: float, clock: Clock
) -> BaseException | None:
    """Run ``fn`` for at most ``seconds``; its error, a DisposeTimeoutError, or None.

    Cancelling the caller cancels the disposer too and propagates.
    """
    attempt = asyncio.get_running_loop().create_task(
        call_disposer(fn), name=f"runner-dispose:{resource_id}"
    )
    try:
        finished = await finishes_within(clock, seconds, attempt)
    except BaseException:
        attempt.cancel()
        raise
    if finished:
        if attempt.cancelled():
            return asyncio.CancelledError()  # it cancelled itself: a failure like any other
        return attempt.exception()
    where = stuck_at(attempt)
    attempt.cancel()
    # Not awaited: a disposer that ignores cancellation must not hang the others.
    attempt.add_done_callback(consume_outcome)
    shown = f" (stuck in {where})" if where else ""
    return DisposeTimeoutError(
        f'Resource "{resource_id}" did not dispose within {seconds} s{shown}; '
        "it was cancelled and abandoned.",
        stuck_at=where,
    )


def stuck_at(task: asyncio.Task[Any]) -> str | None:
    """Where a suspended task waits, as ``function (file:line)``: the innermost frame of its
    await chain that is not asyncio's own (the user's code that called into it).

    ``Task.get_stack()`` stops at the task's own coroutine; the ``cr_await`` chain leads to
    the disposer that is actually stuck.
    """
    awaited: Any = task.get_coro()
    frames: list[FrameType] = []
    while awaited is not None:
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is None:
            break
        frames.append(frame)
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    own = [frame for frame in frames if not frame.f_code.co_filename.startswith(_ASYNCIO_DIR)]
    if not frames:
        return None
    chosen = (own or frames)[-1]
    return f"{chosen.f_code.co_name} ({chosen.f_code.co_filename}:{chosen.f_lineno})"


def consume_outcome(task: asyncio.Task[Any]) -> None:
    # Marks a late failure as retrieved so asyncio does not log it as never retrieved.
    if not task.cancelled():
        task.exception()
