"""One log line for a condition that can recur thousands of times a second (fd exhaustion,
connection floods): the first occurrence is logged at once, later ones at most once per
interval, with how many happened in between."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


class ThrottledWarning:
    """Call it every time the condition happens; it decides whether a line is written."""

    __slots__ = ("_clock", "_event", "_interval", "_last", "_logger", "_message", "_unreported")

    def __init__(
        self,
        logger: logging.Logger,
        event: str,
        message: str,
        *,
        interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._event = event
        self._message = message
        self._interval = interval
        self._clock = clock
        self._last: float | None = None
        self._unreported = 0

    def __call__(self) -> None:
        self._unreported += 1
        now = self._clock()
        if self._last is not None and now - self._last < self._interval:
            return
        count, self._unreported, self._last = self._unreported, 0, now
        self._logger.warning(
            "%s: %s (%d time(s) since the last report)",
            self._event,
            self._message,
            count,
            extra={"event": self._event, "occurrences": count},
        )
