"""The structured logger's public types: ``Logger`` (also in ``runner_gen``), its config
(``globals.resources.logger.with_(LoggerConfig(...))``), records, listeners, printers, redaction
and the bridge from stdlib ``logging``."""

from runner_gen.runtime.logging import (
    LEVELS,
    REDACTED,
    ErrorInfo,
    InvalidSecretError,
    JsonPrinter,
    Logger,
    LoggerConfig,
    LogLevel,
    LogListener,
    LogRecord,
    PrettyPrinter,
    Printer,
    PrintStrategy,
    Redactor,
    RunnerLogHandler,
    TextSink,
)

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
]
