"""Both directions between runner-gen's Logger and stdlib ``logging``.

Into the Logger: ``RunnerLogHandler`` lets library logs (httpx, uvicorn, asyncpg…) share the
app's format, listeners and redaction. Out of it: ``LoggerConfig(stdlib_forward_threshold=...)``
forwards records to ``logging.getLogger("runner_gen." + source)`` (see ``logger.py``); those
records carry ``runner_record`` and this handler ignores them, so the two never loop.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from runner_gen.runtime.logging.delivery import FORWARDED_RECORD_ATTRIBUTE
from runner_gen.runtime.logging.levels import from_stdlib_level
from runner_gen.runtime.logging.logger import Logger

# Attributes every stdlib record has; anything else came from ``extra=`` and becomes data.
_STANDARD_ATTRIBUTES: Final = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__
) | {"message", "asctime", "taskName"}


class RunnerLogHandler(logging.Handler):
    """A stdlib handler feeding a runner-gen Logger; the stdlib logger name becomes the source."""

    def __init__(self, logger: Logger, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self._logger = logger

    def emit(self, record: logging.LogRecord) -> None:
        attributes = record.__dict__
        if FORWARDED_RECORD_ATTRIBUTE in attributes:
            return
        try:
            exc_info = record.exc_info
            data: dict[str, Any] = {
                key: value for key, value in attributes.items() if key not in _STANDARD_ATTRIBUTES
            }
            self._logger.log_sync(
                from_stdlib_level(record.levelno),
                record.getMessage(),
                data=data or None,
                error=exc_info[1] if exc_info else None,
                source=record.name,
            )
        except Exception as problem:
            # Not Handler.handleError: it prints the record's raw arguments, secrets included.
            self._logger.report_problem(
                f"stdlib:{record.name}",
                f"could not log a record from {record.name}: {type(problem).__name__}",
            )
