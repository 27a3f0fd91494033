"""Dispose failures, and saying where an abandoned disposer was stuck.

A disposer that overruns its timeout is cancelled and *abandoned* (see ``Lifecycle``): not
awaited again, so one that ignores cancellation cannot hold the others (or the process)
hostage. Sync disposers run on the event loop and cannot be interrupted; a blocking one should
be async (or use ``asyncio.to_thread``).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from types import FrameType
from typing import Any, Final, TypeAlias

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
