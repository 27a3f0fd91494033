"""Routing the server's stdlib logs (uvicorn, asyncio, the runtime's own) through a redacting
``Logger``, so no line of a served process bypasses redaction.

Without this, records of ``uvicorn.error`` (with ``exc_info``), asyncio's loop errors and the
runtime's ``runner_gen.*`` loggers reach Python's last-resort handler (or any root handler the
user set up) as raw text and raw tracebacks: header values, bodies echoed in exception messages
and credentials in URLs would be printed as they are. Routed loggers stop propagating; records a
``Logger`` forwarded on purpose (``stdlib_forward_threshold``, already redacted) are handed on to
the root logger's handlers as before.
"""

from __future__ import annotations

import logging
from typing import Final

from runner_gen.runtime.logging.delivery import FORWARDED_RECORD_ATTRIBUTE
from runner_gen.runtime.logging.logger import Logger, LoggerConfig
from runner_gen.runtime.logging.stdlib_bridge import RunnerLogHandler

#: The loggers a served process writes through: the server, the event loop, the runtime.
SERVER_LOGGERS: Final = ("uvicorn", "asyncio", "runner_gen")


class _RoutingHandler(RunnerLogHandler):
    """Raw records go to the Logger; records it forwarded go on to the root's handlers."""

    def handle(self, record: logging.LogRecord) -> bool:
        if FORWARDED_RECORD_ATTRIBUTE in record.__dict__:
            logging.getLogger().handle(record)
            return True
        return super().handle(record)

    def retarget(self, logger: Logger) -> None:
        self._logger = logger


_handler: _RoutingHandler | None = None


def route_server_logs(logger: Logger | None = None) -> Logger:
    """Send every record of ``SERVER_LOGGERS`` through ``logger`` (idempotent).

    With no ``logger``, the first call creates a default one (redaction on, printing info and
    above); a later call with an app's logger switches the routing to it. Returns the logger in
    use, so callers can register secrets with it.
    """
    global _handler
    if _handler is None:
        _handler = _RoutingHandler(logger or Logger(LoggerConfig()))
        for name in SERVER_LOGGERS:
            target = logging.getLogger(name)
            target.addHandler(_handler)
            target.propagate = False
    elif logger is not None:
        _handler.retarget(logger)
    return _handler._logger


def routed_logger() -> Logger | None:
    """The logger server logs go through, once ``route_server_logs`` ran."""
    return None if _handler is None else _handler._logger
