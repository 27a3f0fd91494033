"""Closing the event loop in bounded time once the app is disposed.

``asyncio.run`` cancels the tasks left over and then waits for them without limit, and the
interpreter joins worker threads at exit without limit: one task that swallows cancellation, or
one thread stuck in a blocking call, and the process never exits (until SIGKILL). Here leftovers
get ``grace`` seconds to finish; what is still running after that is named and abandoned.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
from collections.abc import Set
from typing import Any, Final

_LOGGER: Final = logging.getLogger("runner_gen.main")


def wind_down(
    loop: asyncio.AbstractEventLoop,
    grace: float,
    threads_before: Set[threading.Thread],
    self_reporting: str = "runner-task:",
) -> list[str]:
    """Cancel leftover tasks, shut down async generators and the default executor, each within
    ``grace`` seconds. Returns what is still running (task names, thread names).

    A leftover that fails while being cancelled is logged, unless its name starts with
    ``self_reporting`` (``spawn``'s tasks log their own failures).
    """
    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.wait(tasks, timeout=grace))
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            if task.get_name().startswith(self_reporting):
                continue
            _LOGGER.error(
                "Task %r failed while the loop was closing",
                task.get_name(),
                exc_info=task.exception(),
                extra={"source_id": "runtime.wind_down", "task_name": task.get_name()},
            )
    stuck = [f"task {task.get_name()}" for task in tasks if not task.done()]
    _bounded(loop, loop.shutdown_asyncgens(), grace)
    _bounded(loop, loop.shutdown_default_executor(), grace)
    stuck.extend(
        f"thread {thread.name}"
        for thread in threading.enumerate()
        if thread not in threads_before and thread.is_alive() and not thread.daemon
    )
    return stuck


def _bounded(loop: asyncio.AbstractEventLoop, step: Any, grace: float) -> None:
    task = loop.create_task(step)
    loop.run_until_complete(asyncio.wait({task}, timeout=grace))
    if not task.done():
        task.cancel()
    else:
        task.exception()  # retrieved: an error here is not worth an "never retrieved" report


def exit_now(code: int) -> None:
    """Flush what the operator should see, then end the process without joining anything."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed or broken: nothing more to say
            stream.flush()
    os._exit(code)
