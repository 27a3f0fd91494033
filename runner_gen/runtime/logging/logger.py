"""The structured logger: the value of ``globals.resources.logger``, one per app.

Design decisions (measured in ``benchmarks/observability.py``):

- A call below every consumer's level (no listener, below the print threshold, below the
  stdlib forwarding threshold) returns after one integer comparison: no record is built.
  Measured on a 2-core machine: ~110 ns for ``await logger.debug(...)`` (most of it the call
  and the coroutine), ~60 ns for ``logger.debug_sync(...)``.
- An emitted record (JSON printer, redaction on, no listener) costs ~1.5x writing the same
  JSON line by hand with ``json.dumps``; JSON encoding itself is the largest part.
- Everything else happens synchronously inside the call: the record is built and redacted
  once, sync listeners run, the record is printed and forwarded to stdlib. The ``async``
  methods (Runner's API) then only await the async listeners. The ``*_sync`` twins serve sync
  code (and the stdlib bridge); from them, async listeners are scheduled on the running loop.
- Logging never raises into the caller: listener, printer and sink failures are reported once
  each, as one line on the error writer, and swallowed (see ``delivery.py``).
- With ``buffer_logs``, records wanted by some consumer are held until ``lock()`` (Runner's
  startup buffering), so listeners registered during init still see the earliest records.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from typing import Any

from runner_gen.runtime.logging.config import LoggerConfig
from runner_gen.runtime.logging.delivery import Delivery, LogListener, Pending
from runner_gen.runtime.logging.levels import LEVEL_VALUES, LEVELS, SILENT, LogLevel, level_value
from runner_gen.runtime.logging.record import LogRecord, error_info
from runner_gen.runtime.logging.redaction import Redactor

__all__ = ["LogListener", "Logger", "LoggerConfig"]


class Logger:
    """Structured, redacting logger. Create one per app; derive children with ``with_``."""

    __slots__ = ("_bound", "_bound_generation", "_delivery", "_raw_context", "_source")

    def __init__(self, config: LoggerConfig | None = None) -> None:
        self._delivery = Delivery(config or LoggerConfig())
        self._source: str | None = None
        self._raw_context: dict[str, Any] = {}
        self._bound: dict[str, Any] = {}
        self._bound_generation = -1

    @property
    def source(self) -> str | None:
        return self._source

    @property
    def print_threshold(self) -> LogLevel | None:
        """The level from which records are printed, shared by the family; None: no printing."""
        value = self._delivery.threshold_value
        return None if value == SILENT else LEVELS[value]

    def with_(
        self, *, source: str | None = None, context: Mapping[str, Any] | None = None
    ) -> Logger:
        """A child with its own source and extra bound context, sharing everything else."""
        child = Logger.__new__(Logger)
        child._delivery = self._delivery
        child._source = source if source is not None else self._source
        child._raw_context = {**self._raw_context, **(context or {})}
        child._bound = {}
        child._bound_generation = -1
        return child

    def on_log(self, listener: LogListener) -> Callable[[], None]:
        """Call ``listener`` with every record of this logger family; returns an unsubscribe."""
        delivery = self._delivery
        delivery.listeners = (*delivery.listeners, listener)
        delivery.refresh()

        def unsubscribe() -> None:
            delivery.listeners = tuple(
                known for known in delivery.listeners if known is not listener
            )
            delivery.refresh()

        return unsubscribe

    def set_print_threshold(self, level: LogLevel | None) -> None:
        self._delivery.threshold_value = level_value(level)
        self._delivery.refresh()

    def register_secret(self, value: str) -> None:
        """Remove ``value`` verbatim from every later record of this logger family."""
        self._delivery.redactor.register_secret(value)

    def report_problem(self, key: str, problem: str) -> None:
        """Report an operational problem of a log sink once per ``key`` on the error writer."""
        self._delivery.report(key, problem)

    @property
    def buffering(self) -> bool:
        return self._delivery.buffer is not None

    async def lock(self) -> None:
        """End startup buffering: deliver held records in order; later records go out at once.

        Runner calls this once the app has initialised; a no-op when not buffering.
        """
        await self._delivery.flush()

    async def drain(self) -> None:
        """Wait for async listeners scheduled by ``*_sync`` calls (e.g. before shutdown)."""
        while self._delivery.background:
            await asyncio.gather(*self._delivery.background, return_exceptions=True)

    # Runner's async API. Each checks the shared minimum first so an unwanted call costs
    # one comparison; the literal level values avoid a dict lookup on that path.

    async def trace(
        self,
        message: object,
        *,
        data: Mapping[str, Any] | None = None,
        error: object = None,
        context: Mapping[str, Any] | None = None,
        source: str | None = None,
    ) -> None:
        if self._delivery.min_level <= 0:
            await self._emit_async(0, "trace", message, data, error, context, source)

    async def debug(
        self,
        message: object,
        *,
        data: Mapping[str, Any] | None = None,
        error: object = None,
        context: Mapping[str, Any] | None = None,
        source: str | None = None,
    ) -> None:
        if self._delivery.min_level <= 1:
            await self._emit_async(1, "debug", message, data, error, context, source)

    async def info(
        self,
        message: object,
        *,
        data: Mapping[str, Any] | None = None,
        error: object = None,
        context: Mapping[str, Any] | None = None,
        source: str | None = None,
    ) -> None:
        if self._delivery.min_level <= 2:
            await self._emit_async(2, "info", message, data, error, context, source)

    async def warn(
        self,
        message: object,
        *,
        data: Mapping[str, Any] | None = None,
        error: object = None,
        context: Mapping[str, Any] | None = None,
        source: str | None = None,
    ) -> None:
        if self._delivery.min_level <= 3:
            await self._emit_async(3, "warn", message, data, error, context, source)

    async def error(
        self,
        message: object,
        *,
        data: Mapping[str, Any] | None = None,
        error: object = None,
        context: Mapping[str, Any] | None = None,
        source: str | None = None,
    ) -> None:
        if self._delivery.min_level <= 4:
            await self._emit_async(4, "error", message, data, error, context, source)

    async def critical(
        self,
        message: object,
        *,
        data: Mapping[str, Any] | None = None,
        error: object = None,
        context: Mapping[str, Any] | None = None,
        source: str | None = None,
    ) -> None:
        if self._delivery.min_level <= 5:
            await self._emit_async(5, "critical", message, data, error, context, source)

    async def log(
        self,
        level: LogLevel,
        message: object,
        *,
        data: Mapping[str, Any] | None = None,
        error: object = None,
        context: Mapping[str, Any] | None = None,
        source: str | None = None,
    ) -> None:
        value = LEVEL_VALUES[level]
        if self._delivery.min_level <= value:
            await self._emit_async(value, level, message, data, error, context, source)

    def log_sync(
        self,
        level: LogLevel,
        message: object,
        *,
        data: Mapping[str, Any] | None = None,
        error: object = None,
        context: Mapping[str, Any] | None = None,
        source: str | None = None,
    ) -> None:
        """The same as ``log`` for sync code; async listeners are scheduled, not awaited."""
        value = LEVEL_VALUES[level]
        if self._delivery.min_level <= value:
            self._emit_sync(value, level, message, data, error, context, source)

    def trace_sync(
        self,
        message: object,
        *,
        data: Mapping[str, Any] | None = None,
        error: object = None,
        context: Mapping[str, Any] | None = None,
        source: str | None = None,
    ) -> None:
        if self._delivery.min_level <= 0:
            self._emit_sync(0, "trace", message, data, error, context, source)

    def debug_sync(
        self,
        message: object,
        *,
        data: Mapping[str, Any] | None = None,
        error: object = None,
        context: Mapping[str, Any] | None = None,
        source: str | None = None,
    ) -> None:
        if self._delivery.min_level <= 1:
            self._emit_sync(1, "debug", message, data, error, context, source)

    def info_sync(
        self,
        message: object,
        *,
        data: Mapping[str, Any] | None = None,
        error: object = None,
        context: Mapping[str, Any] | None = None,
        source: str | None = None,
    ) -> None:
        if self._delivery.min_level <= 2:
            self._emit_sync(2, "info", message, data, error, context, source)

    def warn_sync(
        self,
        message: object,
        *,
        data: Mapping[str, Any] | None = None,
        error: object = None,
        context: Mapping[str, Any] | None = None,
        source: str | None = None,
    ) -> None:
        if self._delivery.min_level <= 3:
            self._emit_sync(3, "warn", message, data, error, context, source)

    def error_sync(
        self,
        message: object,
        *,
        data: Mapping[str, Any] | None = None,
        error: object = None,
        context: Mapping[str, Any] | None = None,
        source: str | None = None,
    ) -> None:
        if self._delivery.min_level <= 4:
            self._emit_sync(4, "error", message, data, error, context, source)

    def critical_sync(
        self,
        message: object,
        *,
        data: Mapping[str, Any] | None = None,
        error: object = None,
        context: Mapping[str, Any] | None = None,
        source: str | None = None,
    ) -> None:
        if self._delivery.min_level <= 5:
            self._emit_sync(5, "critical", message, data, error, context, source)

    def _emit_sync(
        self,
        value: int,
        level: LogLevel,
        message: object,
        data: Mapping[str, Any] | None,
        error: object,
        context: Mapping[str, Any] | None,
        source: str | None,
    ) -> None:
        pending = self._emit(value, level, message, data, error, context, source)
        if pending:
            self._delivery.schedule(pending)

    async def _emit_async(
        self,
        value: int,
        level: LogLevel,
        message: object,
        data: Mapping[str, Any] | None,
        error: object,
        context: Mapping[str, Any] | None,
        source: str | None,
    ) -> None:
        pending = self._emit(value, level, message, data, error, context, source)
        if pending:
            await self._delivery.await_listeners(pending)

    def _emit(
        self,
        value: int,
        level: LogLevel,
        message: object,
        data: Mapping[str, Any] | None,
        error: object,
        context: Mapping[str, Any] | None,
        source: str | None,
    ) -> Pending:
        """Build, redact and deliver one record; returns the async listeners still to await."""
        try:
            record = self._record(level, message, data, error, context, source)
        except Exception as problem:  # a broken wall clock; redaction itself never raises
            self._delivery.report(
                "record", f"could not build a log record: {type(problem).__name__}"
            )
            return []
        return self._delivery.deliver(value, record)

    def _record(
        self,
        level: LogLevel,
        message: object,
        data: Mapping[str, Any] | None,
        error: object,
        context: Mapping[str, Any] | None,
        source: str | None,
    ) -> LogRecord:
        redactor = self._delivery.redactor
        bound = self._bound_context()
        if not redactor.active:
            return LogRecord(
                timestamp=self._delivery.timestamps.now(),
                level=level,
                source=source if source is not None else self._source,
                message=message if isinstance(message, str) else _text(message),
                data=dict(data) if data else {},
                context={**bound, **context} if context else dict(bound),
                error=None if error is None else error_info(error),
            )
        return LogRecord(
            timestamp=self._delivery.timestamps.now(),
            level=level,
            source=source if source is not None else self._source,
            message=(
                redactor.scrub_text(message)
                if isinstance(message, str)
                else _text(redactor.redact_value(message))
            ),
            data=_redacted_data(redactor, data) if data else {},
            # A copy per record: a listener enriching one record must not touch the next.
            context={**bound, **redactor.redact_mapping(context)} if context else dict(bound),
            error=None if error is None else redactor.redact_error(error_info(error)),
        )

    def _bound_context(self) -> dict[str, Any]:
        redactor = self._delivery.redactor
        if self._bound_generation != redactor.generation:
            # Re-redacted when secrets are registered after this child was created.
            raw = self._raw_context
            self._bound = redactor.redact_mapping(raw) if redactor.active else dict(raw)
            self._bound_generation = redactor.generation
        return self._bound


def _text(message: object) -> str:
    if isinstance(message, str):
        return message
    try:
        return json.dumps(message, ensure_ascii=False, default=str)
    except Exception:
        try:
            return str(message)
        except Exception:
            return f"[unprintable {type(message).__name__}]"


def _redacted_data(redactor: Redactor, data: object) -> dict[str, Any]:
    if isinstance(data, dict):
        return redactor.redact_mapping(data)
    # Not the declared type (a model, a list…): keep it, redacted, rather than drop it.
    redacted = redactor.redact_value(data)
    return redacted if isinstance(redacted, dict) else {"value": redacted}
