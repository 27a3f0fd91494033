"""Process entry: start the app, wait for a shutdown signal, dispose gracefully, exit with a code.

Escalation ladder (reliability notes §4.5), for SIGINT and SIGTERM alike:

1. the first signal starts a graceful shutdown: during start it cancels the start (whose
   generated code rolls back); while running it disposes the app (drain within its budget,
   then each disposer within its timeout, all within the shutdown budget);
2. the second skips the drain: calls still in flight are abandoned at once (``app.skip_drain()``)
   and disposal goes on, every disposer still bounded by its timeout;
3. the third exits at once (``os._exit``), even if the event loop is stuck in sync code.

Exit codes: 0 clean; 1 the start failed, ``until`` failed, or a disposer failed or timed out;
``128 + signal`` (130 SIGINT, 143 SIGTERM) when a second or third signal forced the shutdown.

After disposal, tasks still running get ``abandon_grace`` seconds to honour their cancellation;
what ignores it (or a worker thread stuck in a blocking call) is named on stderr and the process
exits anyway, where ``asyncio.run`` and the interpreter would wait forever.

The runtime owns the signals so the exit status can report a failed disposal. Servers started
inside the app (uvicorn) must therefore not capture signals themselves.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import threading
import traceback
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from types import TracebackType
from typing import Any, Final, Protocol, TypeVar

from runner_gen.runtime.lifecycle import dispose_failures
from runner_gen.runtime.shutdown_signals import SIGNAL_EXIT_BASE, ShutdownRequests, say
from runner_gen.runtime.wind_down import exit_now, wind_down

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_FORCED: Final = SIGNAL_EXIT_BASE + signal.SIGINT  # 130, what shells report for Ctrl-C
EXIT_FORCED_SIGTERM: Final = SIGNAL_EXIT_BASE + signal.SIGTERM  # 143

#: Seconds leftover tasks get to honour their cancellation once the app is disposed.
ABANDON_GRACE: Final = 1.0

TASK_NAME_PREFIX: Final = "runner-task:"

_ERRORS_LOGGER: Final = logging.getLogger("runner_gen.errors")
_BACKGROUND: set[asyncio.Task[Any]] = set()  # strong refs: the loop only keeps weak ones

R = TypeVar("R")


class AppLike(Protocol):
    """What ``run_main`` needs of an app; a generated ``App`` also has ``skip_drain()``, which
    a second signal calls."""

    async def dispose(self) -> None: ...


AppT = TypeVar("AppT", bound=AppLike)


def run_main(
    start: Callable[[], Awaitable[AppT]],
    *,
    shutdown_signals: Iterable[signal.Signals] = (signal.SIGINT, signal.SIGTERM),
    until: Callable[[AppT], Awaitable[None]] | None = None,
    abandon_grace: float = ABANDON_GRACE,
) -> int:
    """Run the app until a signal (or ``until(app)`` returns); return the process exit code.

    See the module docstring for the signals and exit codes. When something is still running
    after the loop wound down, it does not return: it exits the process with the code.
    """
    signals = tuple(shutdown_signals)
    previous = {sig: signal.getsignal(sig) for sig in signals}
    threads_before = set(threading.enumerate())
    loop = asyncio.new_event_loop()
    stuck: list[str] = []
    try:
        asyncio.set_event_loop(loop)
        code = loop.run_until_complete(_serve(start, signals, until))
        stuck = wind_down(loop, abandon_grace, threads_before)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        asyncio.set_event_loop(None)
        loop.close()
    if stuck:
        say(f"exiting with {len(stuck)} still running (abandoned): {', '.join(stuck)}")
        exit_now(code)
    return code


def spawn(coro: Coroutine[Any, Any, R], *, task_id: str) -> asyncio.Task[R]:
    """Start a background task named ``runner-task:<task_id>`` whose failure gets logged.

    The task is referenced until it ends (asyncio alone would let it be garbage-collected
    mid-flight), and an exception is logged as soon as it happens, not when the task is freed.
    """
    task = asyncio.get_running_loop().create_task(coro, name=f"{TASK_NAME_PREFIX}{task_id}")
    _BACKGROUND.add(task)
    task.add_done_callback(_background_task_done)
    return task


def install_error_boundary(loop: asyncio.AbstractEventLoop) -> None:
    """Route errors asyncio would otherwise print (or drop) to the ``runner_gen.errors`` logger."""
    loop.set_exception_handler(_report_loop_error)


def _background_task_done(task: asyncio.Task[Any]) -> None:
    _BACKGROUND.discard(task)
    if task.cancelled():
        return
    error = task.exception()  # also marks it retrieved, so asyncio does not report it again
    if error is not None:
        _report_unhandled("Background task failed", task, error)


def _report_loop_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    future = context.get("future", context.get("task"))
    task = future if isinstance(future, asyncio.Task) else None
    error = context.get("exception")
    _report_unhandled(
        str(context.get("message", "Unhandled error in the event loop")),
        task,
        error if isinstance(error, BaseException) else None,
    )


def _report_unhandled(
    message: str, task: asyncio.Task[Any] | None, error: BaseException | None
) -> None:
    task_name = task.get_name() if task is not None else None
    task_id = None
    if task_name is not None and task_name.startswith(TASK_NAME_PREFIX):
        task_id = task_name[len(TASK_NAME_PREFIX) :]
    where = "" if task_name is None else f" (asyncio task {task_name!r})"
    if task_id is not None:
        where = f" (task {task_id!r}, asyncio task {task_name!r})"
    _ERRORS_LOGGER.error(
        "%s%s: %s",
        message,
        where,
        error if error is not None else "no exception",
        exc_info=error,
        extra={
            "source_id": "runtime.error_boundary",
            "task_name": task_name,
            "task_id": task_id,
        },
    )


async def _serve(
    start: Callable[[], Awaitable[AppT]],
    signals: tuple[signal.Signals, ...],
    until: Callable[[AppT], Awaitable[None]] | None,
) -> int:
    loop = asyncio.get_running_loop()
    install_error_boundary(loop)
    requests = ShutdownRequests(loop, signals)
    return await _run(start, until, requests)


async def _run(
    start: Callable[[], Awaitable[AppT]],
    until: Callable[[AppT], Awaitable[None]] | None,
    requests: ShutdownRequests,
) -> int:
    loop = asyncio.get_running_loop()
    starting = loop.create_task(_started(start), name="runner-main:start")
    await _first_of(starting, requests.requested)
    if not starting.done():
        starting.cancel()  # the generated start rolls back, then re-raises the cancellation
        # The rollback's disposers are bounded by their timeouts; a third signal exits at once.
        await asyncio.wait({starting})
    app, error = starting.result()
    if error is not None:
        if isinstance(error, asyncio.CancelledError) and requests.requested.done():
            say("start was interrupted by a signal; initialised resources were rolled back")
            return EXIT_FAILED if dispose_failures(error) else EXIT_OK
        _print_start_failure(error)
        return EXIT_FAILED
    assert app is not None  # _started returns exactly one of the two
    until_failed = False
    if not requests.requested.done():
        until_failed = await _wait_for_stop(app, until, requests)
    return await _dispose(app, requests, until_failed)


async def _started(
    start: Callable[[], Awaitable[AppT]],
) -> tuple[AppT | None, BaseException | None]:
    # Returns the error instead of raising it, so the exception object (with the notes its
    # rollback attached) survives even when it is a CancelledError.
    try:
        return await start(), None
    except (Exception, asyncio.CancelledError) as error:
        return None, error


async def _wait_for_stop(
    app: AppT, until: Callable[[AppT], Awaitable[None]] | None, requests: ShutdownRequests
) -> bool:
    """Wait for a signal or ``until(app)``; True when ``until`` failed."""
    if until is None:
        await asyncio.wait({requests.requested})
        return False
    waiting = asyncio.ensure_future(until(app))
    await _first_of(waiting, requests.requested)
    if not waiting.done():
        waiting.cancel()
        return False
    error = None if waiting.cancelled() else waiting.exception()
    if error is None:
        return False
    say("the app's run loop (until) failed; disposing")
    traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)
    return True


async def _dispose(app: AppLike, requests: ShutdownRequests, already_failed: bool) -> int:
    disposing = asyncio.get_running_loop().create_task(app.dispose(), name="runner-main:dispose")
    await _first_of(disposing, requests.skip)
    if not disposing.done():
        skip_drain = getattr(app, "skip_drain", None)
        if callable(skip_drain):
            skip_drain()
        await asyncio.wait({disposing})
    error = asyncio.CancelledError() if disposing.cancelled() else disposing.exception()
    if error is not None:
        say(f"dispose failed: {type(error).__name__}: {error}")
        # A single failure is the resource's own error; its note says which resource it was.
        for note in getattr(error, "__notes__", ()):
            say(f"  {note}")
        return EXIT_FAILED
    if already_failed:
        return EXIT_FAILED
    return requests.forced_exit_code if requests.skip.done() else EXIT_OK


def _print_start_failure(error: BaseException) -> None:
    say("the app failed to start; resources initialised before the failure were disposed")
    traceback.print_exception(
        type(error), error, _without_own_frames(error.__traceback__), file=sys.stderr
    )


def _without_own_frames(tb: TracebackType | None) -> TracebackType | None:
    # The traceback starts in _started(); the user wants it from their own code.
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return tb


async def _first_of(*futures: asyncio.Future[Any]) -> None:
    """Wait until one of ``futures`` is done, cancelling none of them."""
    await asyncio.wait(futures, return_when=asyncio.FIRST_COMPLETED)
