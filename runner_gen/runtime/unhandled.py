"""Unhandled errors: Runner's ``onUnhandledError`` and its process safety nets, for asyncio.

Runner's ``run(app, { onUnhandledError, errorBoundary })`` reports errors nobody awaited
(``unhandledRejection``) and errors thrown outside any caller (``uncaughtException``) to one
handler with ``{ error, kind, source }``, logging them by default, and removes its listeners on
dispose. In asyncio the same errors reach the event loop's exception handler: a task whose
exception was never retrieved, and an exception raised by a callback. :func:`install` puts the
handler there for one loop and returns the function that restores the previous handler.

A failing handler never hides the original error: both are printed to stderr (Runner prints
``"[runner] Failed to report unhandled error."`` with both).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from runner_gen.runtime.logging.logger import Logger

#: Runner's ``UnhandledErrorKind``; ``"process"`` for what the safety nets catch.
UnhandledErrorKind: TypeAlias = Literal[
    "process", "task", "middleware", "resourceInit", "hook", "run"
]


@dataclass(frozen=True, slots=True)
class UnhandledError:
    """What a handler receives: the error (any object, as Runner normalises non-errors), what
    kind of place it came from, and a source (a definition id, or the safety net's name)."""

    error: object
    kind: UnhandledErrorKind | None = None
    source: str | None = None


OnUnhandledError: TypeAlias = Callable[[UnhandledError], Awaitable[None] | None]


def as_exception(value: object) -> BaseException:
    """Runner's ``toError``: an exception as is, anything else as ``Exception(str(value))``."""
    return value if isinstance(value, BaseException) else Exception(str(value))


def log_unhandled(logger: Logger) -> Callable[[UnhandledError], Awaitable[None]]:
    """Runner's default handler: one ERROR record, ``"Error: <message>"``, the error attached,
    ``kind`` in its data when known, the source as the record's source."""

    async def report(info: UnhandledError) -> None:
        error = as_exception(info.error)
        await logger.error(
            f"{type(error).__name__}: {error}",
            source=info.source,
            error=error,
            data={"kind": info.kind} if info.kind is not None else None,
        )

    return report


async def safe_report(handler: OnUnhandledError, info: UnhandledError) -> None:
    """Call ``handler``; if it fails, print both errors to stderr instead of raising."""
    try:
        result = handler(info)
        if result is not None:
            await result
    except Exception as reporter_error:
        _print_failure(reporter_error, info)


def _print_failure(reporter_error: BaseException, info: UnhandledError) -> None:
    print(
        "[runner] Failed to report unhandled error.",
        {
            "reporterError": repr(as_exception(reporter_error)),
            "originalError": repr(as_exception(info.error)),
            "kind": info.kind,
            "source": info.source,
        },
        file=sys.stderr,
    )


def install(
    handler: OnUnhandledError, loop: asyncio.AbstractEventLoop | None = None
) -> Callable[[], None]:
    """Report what reaches ``loop``'s exception handler (the running loop by default) to
    ``handler`` with kind ``"process"``; returns the function that restores the previous
    handler (Runner removes its safety nets on dispose).

    Source: ``"unhandledRejection"`` for a task or future whose exception nobody retrieved,
    ``"uncaughtException"`` for an exception raised by a callback. Contexts without an
    exception (warnings the loop logs) go to the previous handler unchanged.
    """
    target = loop or asyncio.get_running_loop()
    previous = target.get_exception_handler()
    pending: set[asyncio.Task[None]] = set()

    def on_error(current: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        if error is None:
            if previous is not None:
                previous(current, context)
            else:
                current.default_exception_handler(context)
            return
        source = "unhandledRejection" if "future" in context else "uncaughtException"
        report = current.create_task(safe_report(handler, UnhandledError(error, "process", source)))
        pending.add(report)  # keep a reference until it is done
        report.add_done_callback(pending.discard)

    target.set_exception_handler(on_error)

    def uninstall() -> None:
        if target.get_exception_handler() is on_error:
            target.set_exception_handler(previous)

    return uninstall
