"""The shape of one log entry, as every listener, printer and bridge receives it.

A record is built once per call, after redaction, so whatever holds a record holds only
scrubbed values: strings, numbers, booleans, None, and dicts/lists of those.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from typing import Any, NamedTuple, TypedDict

from runner_gen.runtime.logging.levels import LogLevel


class ErrorInfo(TypedDict):
    """An error reduced to text: ``type`` is the class name, ``stack`` the full traceback."""

    type: str
    message: str
    stack: str | None


class LogRecord(NamedTuple):
    """One entry. A NamedTuple rather than a frozen dataclass: it is built on every emitted call,
    and a frozen dataclass's ``__init__`` costs about four times as much."""

    timestamp: str  # ISO 8601, UTC, millisecond precision: "2026-11-21T23:49:14.123Z"
    level: LogLevel
    source: str | None  # the definition id that logged, stable across releases
    message: str
    data: dict[str, Any]
    context: dict[str, Any]
    error: ErrorInfo | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape: empty ``data``/``context`` and a missing ``error`` are left out."""
        shape: dict[str, Any] = {
            "timestamp": self.timestamp,
            "level": self.level,
            "source": self.source,
            "message": self.message,
        }
        if self.data:
            shape["data"] = self.data
        if self.context:
            shape["context"] = self.context
        if self.error is not None:
            shape["error"] = self.error
        return shape


def error_info(error: object) -> ErrorInfo:
    """Reduce an exception (with its chain) to text; anything else becomes an UnknownError."""
    if isinstance(error, BaseException):
        stack = "".join(traceback.format_exception(error))
        return {"type": type(error).__name__, "message": str(error), "stack": stack}
    return {"type": "UnknownError", "message": str(error), "stack": None}


class IsoTimestamps:
    """ISO 8601 UTC timestamps from a wall clock, formatting the seconds part once per second.

    ``strftime`` costs about a microsecond; logs arrive many times per second, so the
    ``YYYY-MM-DDTHH:MM:SS`` prefix is cached and only the milliseconds are formatted per call.
    """

    __slots__ = ("_clock", "_second")

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        # One tuple, replaced whole, so a thread never pairs one second with another's prefix.
        self._second: tuple[int, str] = (-1, "")

    def now(self) -> str:
        second, millis = divmod(int(self._clock() * 1000), 1000)
        cached_second, prefix = self._second
        if second != cached_second:
            prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = (second, prefix)
        return f"{prefix}.{millis:03d}Z"
