"""Delivery of built records: listeners, printers, stdlib forwarding, startup buffering.

One ``Delivery`` is shared by a root logger and all its children. It never raises into the
caller: a failing listener, printer, sink or stdlib handler is reported once, as one line on
the error writer, and swallowed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Final

from runner_gen.runtime.logging.config import LoggerConfig
from runner_gen.runtime.logging.levels import SILENT, STDLIB_TRACE, level_value, to_stdlib_level
from runner_gen.runtime.logging.printers import Printer, TextSink, make_printer, supports_color
from runner_gen.runtime.logging.record import IsoTimestamps, LogRecord
from runner_gen.runtime.logging.redaction import Redactor

#: A listener gets every record (redacted), printed or not; it may be sync or async.
LogListener = Callable[[LogRecord], object]
Pending = list[tuple[LogListener, Awaitable[object]]]

#: Set on stdlib records forwarded by a Logger, so a ``RunnerLogHandler`` never loops them back.
FORWARDED_RECORD_ATTRIBUTE: Final = "runner_record"
STDLIB_LOGGER_PREFIX: Final = "runner_gen."
_WARN: Final = 3


class Delivery:
    """What a logger family shares: sinks, listeners, thresholds, redaction, the buffer."""

    __slots__ = (
        "background",
        "buffer",
        "dropped",
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
        self.buffer: deque[tuple[int, LogRecord]] | None = (
            deque(maxlen=max(1, config.buffer_limit)) if config.buffer_logs else None
        )
        self.dropped = 0
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

    def deliver(self, value: int, record: LogRecord) -> Pending:
        """Hand ``record`` to every sink (or the buffer); returns async listeners to await."""
        buffer = self.buffer
        if buffer is not None:
            if len(buffer) == buffer.maxlen:
                self.dropped += 1
            buffer.append((value, record))
            return []
        pending: Pending = []
        for listener in self.listeners:
            try:
                result = listener(record)
            except Exception as problem:
                self.listener_failed(listener, problem)
                continue
            if result is not None and isinstance(result, Awaitable):
                pending.append((listener, result))
        if value >= self.threshold_value:
            self.print(value, record)
        if value >= self.forward_value:
            self.forward(record)
        return pending

    async def flush(self) -> None:
        """Stop buffering and deliver what was held, in order (listeners, then printers)."""
        buffer, self.buffer = self.buffer, None
        if buffer is None:
            return
        if self.dropped:
            self.report("buffer", f"{self.dropped} log record(s) dropped: the buffer was full")
        for value, record in buffer:
            pending = self.deliver(value, record)
            if pending:
                await self.await_listeners(pending)

    def print(self, value: int, record: LogRecord) -> None:
        to_err = value >= _WARN
        try:
            text = self.printers[to_err].format(record)
            (self.err() if to_err else self.out()).write(text)
        except Exception as problem:
            self.report("printer", f"could not print a log record: {problem!r}")

    def forward(self, record: LogRecord) -> None:
        target = self.stdlib_loggers.get(record.source)
        if target is None:
            target = logging.getLogger(STDLIB_LOGGER_PREFIX + (record.source or "root"))
            self.stdlib_loggers[record.source] = target
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
            self.report("forward", f"could not forward a log record: {problem!r}")

    def listener_failed(self, listener: LogListener, problem: BaseException) -> None:
        name = getattr(listener, "__qualname__", type(listener).__qualname__)
        self.report(
            f"listener:{id(listener)}",
            f"Error in log listener {name}: {type(problem).__name__}: {problem}",
        )

    async def await_listeners(self, pending: Pending) -> None:
        for listener, awaitable in pending:
            try:
                await awaitable
            except Exception as problem:
                self.listener_failed(listener, problem)

    def schedule(self, pending: Pending) -> None:
        """Run async listeners of a sync call as a task on the running loop, if there is one."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            for _, awaitable in pending:
                close = getattr(awaitable, "close", None)
                if callable(close):
                    close()  # no "never awaited" warning for a listener we cannot run
            self.report(
                "no-loop", "async log listeners skipped: logged from sync code with no event loop"
            )
            return
        task = loop.create_task(self.await_listeners(pending))
        self.background.add(task)
        task.add_done_callback(self.background.discard)
