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
  each, as one line on the error writer, and swallowed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from runner_gen.runtime.logging.levels import (
    LEVEL_VALUES,
    LEVELS,
    SILENT,
    STDLIB_TRACE,
    LogLevel,
    level_value,
    to_stdlib_level,
)
from runner_gen.runtime.logging.printers import (
    Printer,
    PrintStrategy,
    TextSink,
    make_printer,
    supports_color,
)
from runner_gen.runtime.logging.record import IsoTimestamps, LogRecord, error_info
from runner_gen.runtime.logging.redaction import Redactor

#: A listener gets every record (redacted), printed or not; it may be sync or async.
LogListener = Callable[[LogRecord], object]

#: Set on stdlib records forwarded by a Logger, so a ``RunnerLogHandler`` never loops them back.
FORWARDED_RECORD_ATTRIBUTE: Final = "runner_record"
STDLIB_LOGGER_PREFIX: Final = "runner_gen."


@dataclass(frozen=True, slots=True)
class LoggerConfig:
    """How the app's logger prints, redacts and forwards.

    ``print_threshold=None`` disables printing (listeners still get every record).
    ``redact=False`` turns off key and pattern redaction; registered secrets are still removed.
    ``stdlib_forward_threshold`` forwards records at or above it to ``logging`` loggers named
    ``runner_gen.<source>``. ``stdout``/``stderr`` default to the process streams at write time;
    warn and above go to ``stderr``. ``color=None`` means: only on a TTY, and not with NO_COLOR.
    """

    print_threshold: LogLevel | None = "info"
    print_strategy: PrintStrategy = "pretty"
    redact: bool = True
    redact_keys: tuple[str, ...] = ()
    redact_patterns: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    stdlib_forward_threshold: LogLevel | None = None
    color: bool | None = None
    stdout: TextSink | None = None
    stderr: TextSink | None = None
    wall_clock: Callable[[], float] = time.time


class _Shared:
    """What a root logger and all its children share: sinks, listeners, thresholds, redaction."""

    __slots__ = (
        "background",
        "forward_value",
        "listeners",
        "min_level",
        "printers",
        "redactor",
        "reported",
        "stderr",
        "stdlib_loggers",
        "stdout",
        "threshold_value",
        "timestamps",
    )

    def __init__(self, config: LoggerConfig) -> None:
        self.redactor = Redactor(
            enabled=config.redact,
            extra_keys=config.redact_keys,
            extra_patterns=config.redact_patterns,
            secrets=config.secrets,
        )
        self.timestamps = IsoTimestamps(config.wall_clock)
        self.stdout = config.stdout
        self.stderr = config.stderr
        out_color, err_color = (
            (config.color, config.color)
            if config.color is not None
            else (supports_color(self.out()), supports_color(self.err()))
        )
        self.printers: tuple[Printer, Printer] = (
            make_printer(config.print_strategy, color=out_color),
            make_printer(config.print_strategy, color=err_color),
        )
        self.listeners: tuple[LogListener, ...] = ()
        self.threshold_value = level_value(config.print_threshold)
        self.forward_value = level_value(config.stdlib_forward_threshold)
        if config.stdlib_forward_threshold is not None:
            logging.addLevelName(STDLIB_TRACE, "TRACE")
        self.stdlib_loggers: dict[str | None, logging.Logger] = {}
        self.reported: set[str] = set()
        self.background: set[asyncio.Task[None]] = set()
        self.min_level = SILENT
        self.refresh()

    def refresh(self) -> None:
        """Recompute the level below which a call does no work at all."""
        self.min_level = min(
            self.threshold_value, self.forward_value, 0 if self.listeners else SILENT
        )

    def out(self) -> TextSink:
        return self.stdout if self.stdout is not None else sys.stdout

    def err(self) -> TextSink:
        return self.stderr if self.stderr is not None else sys.stderr

    def report(self, key: str, problem: str) -> None:
        """One line on the error writer, the first time ``key`` goes wrong; never raises."""
        if key in self.reported:
            return
        self.reported.add(key)
        # When the error writer itself is broken there is nowhere left to say so.
        with contextlib.suppress(Exception):
            self.err().write(f"[runner_gen.logger] {self.redactor.scrub_text(problem)}\n")

    def stdlib_logger(self, source: str | None) -> logging.Logger:
        found = self.stdlib_loggers.get(source)
        if found is None:
            found = logging.getLogger(STDLIB_LOGGER_PREFIX + (source or "root"))
            self.stdlib_loggers[source] = found
        return found


class Logger:
    """Structured, redacting logger. Create one per app; derive children with ``with_``."""

    __slots__ = ("_bound", "_bound_generation", "_raw_context", "_shared", "_source")

    def __init__(self, config: LoggerConfig | None = None) -> None:
        self._shared = _Shared(config or LoggerConfig())
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
        value = self._shared.threshold_value
        return None if value == SILENT else LEVELS[value]

    def with_(
        self, *, source: str | None = None, context: Mapping[str, Any] | None = None
    ) -> Logger:
        """A child with its own source and extra bound context, sharing everything else."""
        child = Logger.__new__(Logger)
        child._shared = self._shared
        child._source = source if source is not None else self._source
        child._raw_context = {**self._raw_context, **(context or {})}
        child._bound = {}
        child._bound_generation = -1
        return child

    def on_log(self, listener: LogListener) -> Callable[[], None]:
        """Call ``listener`` with every record of this logger family; returns an unsubscribe."""
        shared = self._shared
        shared.listeners = (*shared.listeners, listener)
        shared.refresh()

        def unsubscribe() -> None:
            shared.listeners = tuple(known for known in shared.listeners if known is not listener)
            shared.refresh()

        return unsubscribe

    def set_print_threshold(self, level: LogLevel | None) -> None:
        self._shared.threshold_value = level_value(level)
        self._shared.refresh()

    def register_secret(self, value: str) -> None:
        """Remove ``value`` verbatim from every later record of this logger family."""
        self._shared.redactor.register_secret(value)

    def report_problem(self, key: str, problem: str) -> None:
        """Report an operational problem of a log sink once per ``key`` on the error writer."""
        self._shared.report(key, problem)

    async def drain(self) -> None:
        """Wait for async listeners scheduled by ``*_sync`` calls (e.g. before shutdown)."""
        while self._shared.background:
            await asyncio.gather(*self._shared.background, return_exceptions=True)

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
        if self._shared.min_level <= 0:
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
        if self._shared.min_level <= 1:
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
        if self._shared.min_level <= 2:
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
        if self._shared.min_level <= 3:
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
        if self._shared.min_level <= 4:
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
        if self._shared.min_level <= 5:
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
        if self._shared.min_level <= value:
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
        if self._shared.min_level <= value:
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
        if self._shared.min_level <= 0:
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
        if self._shared.min_level <= 1:
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
        if self._shared.min_level <= 2:
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
        if self._shared.min_level <= 3:
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
        if self._shared.min_level <= 4:
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
        if self._shared.min_level <= 5:
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
            self._schedule(pending)

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
            await self._await_listeners(pending)

    def _emit(
        self,
        value: int,
        level: LogLevel,
        message: object,
        data: Mapping[str, Any] | None,
        error: object,
        context: Mapping[str, Any] | None,
        source: str | None,
    ) -> list[tuple[LogListener, Awaitable[object]]]:
        """Build, redact and deliver one record; returns the async listeners still to await."""
        shared = self._shared
        try:
            record = self._record(level, message, data, error, context, source)
        except Exception as problem:  # defensive: redaction already never raises
            shared.report("record", f"could not build a log record: {type(problem).__name__}")
            return []
        pending: list[tuple[LogListener, Awaitable[object]]] = []
        for listener in shared.listeners:
            try:
                result = listener(record)
            except Exception as problem:
                self._listener_failed(listener, problem)
                continue
            if result is not None and isinstance(result, Awaitable):
                pending.append((listener, result))
        if value >= shared.threshold_value:
            self._print(value, record)
        if value >= shared.forward_value:
            self._forward(record)
        return pending

    def _record(
        self,
        level: LogLevel,
        message: object,
        data: Mapping[str, Any] | None,
        error: object,
        context: Mapping[str, Any] | None,
        source: str | None,
    ) -> LogRecord:
        redactor = self._shared.redactor
        bound = self._bound_context()
        if not redactor.active:
            return LogRecord(
                timestamp=self._shared.timestamps.now(),
                level=level,
                source=source if source is not None else self._source,
                message=message if isinstance(message, str) else _text(message),
                data=dict(data) if data else {},
                context={**bound, **context} if context else bound,
                error=None if error is None else error_info(error),
            )
        return LogRecord(
            timestamp=self._shared.timestamps.now(),
            level=level,
            source=source if source is not None else self._source,
            message=(
                redactor.scrub_text(message)
                if isinstance(message, str)
                else _text(redactor.redact_value(message))
            ),
            data=_redacted_data(redactor, data) if data else {},
            context={**bound, **redactor.redact_mapping(context)} if context else bound,
            error=None if error is None else redactor.redact_error(error_info(error)),
        )

    def _bound_context(self) -> dict[str, Any]:
        redactor = self._shared.redactor
        if self._bound_generation != redactor.generation:
            # Re-redacted when secrets are registered after this child was created.
            raw = self._raw_context
            self._bound = redactor.redact_mapping(raw) if redactor.active else dict(raw)
            self._bound_generation = redactor.generation
        return self._bound

    def _print(self, value: int, record: LogRecord) -> None:
        shared = self._shared
        to_err = value >= 3  # warn, error and critical
        try:
            text = shared.printers[to_err].format(record)
            (shared.err() if to_err else shared.out()).write(text)
        except Exception as problem:
            shared.report("printer", f"could not print a log record: {problem!r}")

    def _forward(self, record: LogRecord) -> None:
        target = self._shared.stdlib_logger(record.source)
        message = record.message
        if record.error is not None and record.error["stack"]:
            # The redacted stack travels in the text: passing exc_info would let stdlib
            # formatters print the original, unredacted traceback.
            message = f"{message}\n{record.error['stack'].rstrip()}"
        try:
            target.log(
                to_stdlib_level(record.level),
                "%s",
                message,
                extra={FORWARDED_RECORD_ATTRIBUTE: record},
            )
        except Exception as problem:
            self._shared.report("forward", f"could not forward a log record: {problem!r}")

    def _listener_failed(self, listener: LogListener, problem: BaseException) -> None:
        name = getattr(listener, "__qualname__", type(listener).__qualname__)
        self._shared.report(
            f"listener:{id(listener)}",
            f"Error in log listener {name}: {type(problem).__name__}: {problem}",
        )

    async def _await_listeners(self, pending: list[tuple[LogListener, Awaitable[object]]]) -> None:
        for listener, awaitable in pending:
            try:
                await awaitable
            except Exception as problem:
                self._listener_failed(listener, problem)

    def _schedule(self, pending: list[tuple[LogListener, Awaitable[object]]]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            for _, awaitable in pending:
                close = getattr(awaitable, "close", None)
                if callable(close):
                    close()  # no "never awaited" warning for a listener we cannot run
            self._shared.report(
                "no-loop", "async log listeners skipped: logged from sync code with no event loop"
            )
            return
        task = loop.create_task(self._await_listeners(pending))
        self._shared.background.add(task)
        task.add_done_callback(self._shared.background.discard)


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
