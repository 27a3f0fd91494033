"""``LoggerConfig``: how the app's logger prints, redacts, forwards and buffers."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from runner_gen.runtime.logging.levels import LogLevel
from runner_gen.runtime.logging.printers import PrintStrategy, TextSink


@dataclass(frozen=True, slots=True)
class LoggerConfig:
    """How the app's logger prints, redacts, forwards and buffers.

    ``print_threshold=None`` disables printing (listeners still get every record).
    ``redact=False`` turns off key and pattern redaction; registered secrets are still removed.
    ``stdlib_forward_threshold`` forwards records at or above it to ``logging`` loggers named
    ``runner_gen.<source>``. ``stdout``/``stderr`` default to the process streams at write time;
    warn and above go to ``stderr``. ``color=None`` means: only on a TTY, and not with NO_COLOR.
    ``buffer_logs`` holds records (at most ``buffer_limit``, oldest dropped first) until
    ``Logger.lock()``, as Runner does during startup.
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
    buffer_logs: bool = False
    buffer_limit: int = 10_000
