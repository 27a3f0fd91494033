"""Routing the server's stdlib logs (uvicorn, asyncio, the runtime's own) through redaction, so
no line a served process writes carries a secret.

Without this, records of ``uvicorn.error`` (with ``exc_info``), asyncio's loop errors and the
runtime's ``runner_gen.*`` loggers reach Python's last-resort handler, or whatever handlers a
logging configuration installed (uvicorn's default one prints to stderr), as raw text and raw
tracebacks: header values, bodies echoed in exception messages and credentials in URLs would be
printed as they are. A handler placed first on each of ``SERVER_LOGGERS``:

- scrubs every record in place before any other handler sees it: the message is replaced by
  its redacted text and the formatted traceback (``exc_text``, which stdlib formatters print
  instead of formatting ``exc_info`` again) by its redacted form. ``exc_info`` itself is kept
  for code that inspects the exception; a custom formatter that formats it anew bypasses this;
- when no other handler would print the record (no logging configuration, the usual case
  under ``run_main``), delivers it to a redacting ``Logger``, which prints it.

Records a ``Logger`` forwarded on purpose (``stdlib_forward_threshold``) are already redacted and
pass untouched. ``route_server_logs`` runs again at every serve, so a logging configuration
applied in between (which drops foreign handlers) is undone.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any, Final

from runner_gen.runtime.logging.delivery import FORWARDED_RECORD_ATTRIBUTE
from runner_gen.runtime.logging.levels import from_stdlib_level
from runner_gen.runtime.logging.logger import Logger, LoggerConfig
from runner_gen.runtime.logging.redaction import Redactor

#: The loggers a served process writes through: the server, the event loop, the runtime.
SERVER_LOGGERS: Final = ("uvicorn", "uvicorn.error", "uvicorn.access", "asyncio", "runner_gen")
#: Marks a record already routed (a record passes several routed loggers on its way up).
_ROUTED: Final = "runner_gen_routed"

# Attributes every stdlib record has; anything else came from ``extra=`` and becomes data.
_STANDARD_ATTRIBUTES: Final = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__
) | {"message", "asctime", "taskName"}


class _RedactingRoute(logging.Handler):
    def __init__(self, logger: Logger) -> None:
        super().__init__()
        self.logger = logger

    @property
    def _redactor(self) -> Redactor:
        # The family's redactor: registered secrets (the exposure's tokens) included.
        redactor: Redactor = self.logger._delivery.redactor
        return redactor

    def emit(self, record: logging.LogRecord) -> None:
        attributes = record.__dict__
        if FORWARDED_RECORD_ATTRIBUTE in attributes or _ROUTED in attributes:
            return
        attributes[_ROUTED] = True
        try:
            if not self._printed_elsewhere(record):
                data: dict[str, Any] = {
                    key: value
                    for key, value in attributes.items()
                    if key not in _STANDARD_ATTRIBUTES and key != _ROUTED
                }
                exc_info = record.exc_info
                self.logger.log_sync(
                    from_stdlib_level(record.levelno),
                    record.getMessage(),
                    data=data or None,
                    error=exc_info[1] if exc_info else None,
                    source=record.name,
                )
            _scrub_in_place(record, self._redactor)
        except Exception as problem:
            # Not Handler.handleError: it prints the record's raw arguments, secrets included.
            self.logger.report_problem(
                f"route:{record.name}",
                f"could not log a record from {record.name}: {type(problem).__name__}",
            )

    def _printed_elsewhere(self, record: logging.LogRecord) -> bool:
        """Whether a handler other than this one will receive ``record`` on its way up."""
        logger: logging.Logger | None = logging.getLogger(record.name)
        while logger is not None:
            if any(h is not self and record.levelno >= h.level for h in logger.handlers):
                return True
            if not logger.propagate:
                return False
            logger = logger.parent
        return False


def _scrub_in_place(record: logging.LogRecord, redactor: Redactor) -> None:
    record.msg = redactor.scrub_text(record.getMessage())
    record.args = None
    if record.exc_info and record.exc_info[1] is not None:
        formatted = "".join(traceback.format_exception(record.exc_info[1])).rstrip("\n")
        record.exc_text = redactor.scrub_text(formatted)
    elif record.exc_text:
        record.exc_text = redactor.scrub_text(record.exc_text)
    if record.stack_info:
        record.stack_info = redactor.scrub_text(record.stack_info)


_route: _RedactingRoute | None = None


def route_server_logs(logger: Logger | None = None) -> Logger:
    """Route every record of ``SERVER_LOGGERS`` through redaction (idempotent).

    With no ``logger``, the first call creates a default one (redaction on, printing info and
    above); a later call with an app's logger switches the routing to it. Returns the logger in
    use, so callers can register secrets with it.
    """
    global _route
    if _route is None:
        _route = _RedactingRoute(logger or Logger(LoggerConfig()))
        runtime = logging.getLogger("runner_gen")
        if runtime.level == logging.NOTSET:
            runtime.setLevel(logging.INFO)  # the exposure's 499 lines are INFO
    elif logger is not None:
        _route.logger = logger
    for name in SERVER_LOGGERS:
        target = logging.getLogger(name)
        if target.handlers[:1] != [_route]:
            if _route in target.handlers:
                target.removeHandler(_route)
            # First, so every other handler on the logger gets the record already scrubbed.
            target.handlers.insert(0, _route)
    return _route.logger


def routed_logger() -> Logger | None:
    """The logger server logs go through, once ``route_server_logs`` ran."""
    return None if _route is None else _route.logger
