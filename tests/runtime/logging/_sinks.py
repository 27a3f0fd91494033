"""Shared helpers: loggers printing to in-memory sinks with a fixed wall clock."""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass, field

from runner_gen.runtime.logging import Logger, LoggerConfig, LogRecord

FIXED_TIME = 1_795_304_954.123  # 2026-11-21T23:49:14.123Z


@dataclass
class Captured:
    logger: Logger
    out: io.StringIO
    err: io.StringIO
    records: list[LogRecord] = field(default_factory=list)

    def printed(self) -> str:
        return self.out.getvalue() + self.err.getvalue()


def captured(config: LoggerConfig | None = None, *, listen: bool = True) -> Captured:
    """A logger whose printers write to StringIO sinks, optionally with a recording listener."""
    out, err = io.StringIO(), io.StringIO()
    logger = Logger(
        dataclasses.replace(
            config or LoggerConfig(), stdout=out, stderr=err, wall_clock=lambda: FIXED_TIME
        )
    )
    result = Captured(logger, out, err)
    if listen:
        logger.on_log(result.records.append)
    return result
