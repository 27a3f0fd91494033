"""The structured logger (``globals.resources.logger``): levels, records, redaction, printers.

Redaction is on by default: no listener, printer or bridge ever receives an unscrubbed record.
"""

from __future__ import annotations

from runner_gen.runtime.logging.levels import LEVELS, LogLevel
from runner_gen.runtime.logging.logger import Logger, LoggerConfig, LogListener
from runner_gen.runtime.logging.printers import (
    JsonPrinter,
    PrettyPrinter,
    Printer,
    PrintStrategy,
    TextSink,
)
from runner_gen.runtime.logging.record import ErrorInfo, LogRecord, error_info
from runner_gen.runtime.logging.redaction import InvalidSecretError, Redactor
from runner_gen.runtime.logging.secret_patterns import REDACTED
from runner_gen.runtime.logging.stdlib_bridge import RunnerLogHandler

__all__ = [
    "LEVELS",
    "REDACTED",
    "ErrorInfo",
    "InvalidSecretError",
    "JsonPrinter",
    "LogLevel",
    "LogListener",
    "LogRecord",
    "Logger",
    "LoggerConfig",
    "PrettyPrinter",
    "PrintStrategy",
    "Printer",
    "Redactor",
    "RunnerLogHandler",
    "TextSink",
    "error_info",
]
