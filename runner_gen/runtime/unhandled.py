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
import weakref
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
    ``handler`` with kind ``"process"``; returns the function that removes it (Runner removes
    its safety nets on dispose).

    Source: ``"unhandledRejection"`` for a task or future whose exception nobody retrieved,
    ``"uncaughtException"`` for an exception raised by a callback. Contexts without an
    exception (warnings the loop logs) go to the previous handler unchanged.

    Several apps on one loop each get every error (Runner's safety nets call every running
    app's handler), and they may be removed in any order: the loop's previous handler comes
    back when the last one is removed.
    """
    target = loop or asyncio.get_running_loop()
    nets = _NETS.get(target)
    if nets is None:
        nets = _SafetyNets(target)
        _NETS[target] = nets
    return nets.add(handler)


class _SafetyNets:
    """The handlers installed on one loop, behind one exception handler of the loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._previous = loop.get_exception_handler()
        self._handlers: list[OnUnhandledError] = []
        self._pending: set[asyncio.Task[None]] = set()
        loop.set_exception_handler(self._on_error)

    def add(self, handler: OnUnhandledError) -> Callable[[], None]:
        entry = _Entry(handler)  # identity: the same handler may be installed twice
        self._handlers.append(entry)

        def uninstall() -> None:
            if entry in self._handlers:
                self._handlers.remove(entry)
                if not self._handlers:
                    self._close()

        return uninstall

    def _close(self) -> None:
        if _NETS.get(self._loop) is self:
            del _NETS[self._loop]
        if self._loop.get_exception_handler() == self._on_error:
            self._loop.set_exception_handler(self._previous)

    def _on_error(self, current: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        if error is None or not self._handlers:
            if self._previous is not None:
                self._previous(current, context)
            else:
                current.default_exception_handler(context)
            return
        source = "unhandledRejection" if "future" in context else "uncaughtException"
        info = UnhandledError(error, "process", source)
        for handler in list(self._handlers):
            report = current.create_task(safe_report(handler, info))
            self._pending.add(report)  # keep a reference until it is done
            report.add_done_callback(self._pending.discard)


class _Entry:
    """One installation of a handler (called like it)."""

    __slots__ = ("handler",)

    def __init__(self, handler: OnUnhandledError) -> None:
        self.handler = handler

    def __call__(self, info: UnhandledError) -> Awaitable[None] | None:
        return self.handler(info)


_NETS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _SafetyNets] = (
    weakref.WeakKeyDictionary()
)
