"""An app's error boundary: Runner's ``run(app, { onUnhandledError, errorBoundary })``.

Generated ``start()`` creates one per app. It reports to the app's handler (the one given to
``start(on_unhandled_error=...)``, or one logging through the app's logger) what nobody else
will see: errors reaching the event loop's exception handler while the app runs (with
``error_boundary=True``, the default), and a resource's failed init, before the rollback.

A failed init is annotated the way Runner does it, in Python terms: the exception keeps its
type and message (callers catch what the resource raised) and gains ``resource_id`` and a note
naming the resource. In parallel init (:func:`init_wave`) several resources can fail at once:
one failure is raised as is, several as an ``ExceptionGroup`` whose errors each carry their
``resource_id`` (Runner's ``AggregateError``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable, Coroutine
from typing import Any, Final

from runner_gen.runtime.logging.logger import Logger
from runner_gen.runtime.unhandled import (
    OnUnhandledError,
    UnhandledError,
    install,
    log_unhandled,
    safe_report,
)

#: Where an init failure says which resource raised it (Runner's ``error.resourceId``).
RESOURCE_ID_ATTR: Final = "resource_id"


def _nothing() -> None:
    pass


class ErrorBoundary:
    """One app's ``on_unhandled_error``, and its safety net on the event loop."""

    __slots__ = ("_handler", "_logger", "_uninstall")

    def __init__(self, handler: OnUnhandledError | None, install_net: bool) -> None:
        self._handler = handler
        self._logger: Logger | None = None
        self._uninstall: Callable[[], None] = _nothing
        if install_net:
            self._uninstall = install(self.report)

    def use_logger(self, logger: Logger) -> None:
        """Log through the app's logger (its config and redaction) once it started."""
        self._logger = logger

    async def report(self, info: UnhandledError) -> None:
        handler = self._handler
        if handler is None:
            handler = log_unhandled(self._logger or _default_logger())
        await safe_report(handler, info)

    async def start_failed(self, error: BaseException, initializing: str | None) -> None:
        """Report a failed start's resource init errors (kind ``"resourceInit"``), annotating
        ``error`` with ``initializing`` (the resource whose init was running) first. A
        cancellation, or a failure outside any resource's init, is not reported."""
        if not isinstance(error, Exception):
            return
        failures = _init_failures(error)
        if not failures and initializing is not None:
            annotate_init_failure(error, initializing)
            failures = [(initializing, error)]
        for resource_id, failure in failures:
            await self.report(UnhandledError(failure, "resourceInit", resource_id))

    def close(self) -> None:
        """Remove the safety net (after the app disposed, or its start rolled back)."""
        uninstall, self._uninstall = self._uninstall, _nothing
        uninstall()


def annotate_init_failure(error: BaseException, resource_id: str) -> None:
    """Name the resource on ``error`` unless it already names one (Runner keeps an existing
    ``resourceId``): ``error.resource_id`` and a note."""
    if getattr(error, RESOURCE_ID_ATTR, None) is not None:
        return
    with contextlib.suppress(AttributeError):  # an exception class with __slots__
        setattr(error, RESOURCE_ID_ATTR, resource_id)
    error.add_note(f'Resource "{resource_id}" initialization failed.')


def _init_failures(error: Exception) -> list[tuple[str, BaseException]]:
    """The failures :func:`init_wave` annotated: ``error`` itself, or a group's members."""
    resource_id = getattr(error, RESOURCE_ID_ATTR, None)
    if isinstance(resource_id, str):
        return [(resource_id, error)]
    if isinstance(error, ExceptionGroup) and getattr(error, _WAVE_ATTR, False):
        return [
            (getattr(member, RESOURCE_ID_ATTR), member)
            for member in error.exceptions
            if isinstance(getattr(member, RESOURCE_ID_ATTR, None), str)
        ]
    return []


_WAVE_ATTR: Final = "__runner_init_wave__"


async def init_wave(inits: tuple[tuple[str, Coroutine[Any, Any, None]], ...]) -> None:
    """Run the inits of independent resources concurrently (``init_mode = "parallel"``).

    Every init of the wave settles before this returns or raises (Runner's ``allSettled``), so
    the rollback finds each started resource's disposer on the stack. One failure is raised as
    is, several as an ``ExceptionGroup``; each names its resource. Cancelling the wave cancels
    the inits still running and waits for them.
    """
    results = await asyncio.gather(*(init for _, init in inits), return_exceptions=True)
    failures: list[BaseException] = []
    for (resource_id, _), result in zip(inits, results, strict=True):
        if isinstance(result, BaseException):
            annotate_init_failure(result, resource_id)
            failures.append(result)
    if len(failures) == 1:
        raise failures[0]
    if failures:
        group = _group(failures)
        setattr(group, _WAVE_ATTR, True)
        raise group


def _group(failures: list[BaseException]) -> BaseExceptionGroup[BaseException]:
    ids = ", ".join(f'"{getattr(error, RESOURCE_ID_ATTR)}"' for error in failures)
    message = f"{len(failures)} resources failed to initialize: {ids}"
    if all(isinstance(error, Exception) for error in failures):
        return ExceptionGroup(message, [e for e in failures if isinstance(e, Exception)])
    return BaseExceptionGroup(message, failures)


@functools.cache
def _default_logger() -> Logger:
    """The logger of apps without ``globals.resources.logger``: Runner's default settings."""
    return Logger()
