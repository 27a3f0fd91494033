"""Records of one logger as it emitted them.

``caplog`` sees a record after every handler above the logger ran, and in a process that
served an exposure, ``runner_gen``'s redacting route (runtime/logging/routing.py) has scrubbed
it by then, in place: a secret an earlier test registered (a token such as ``"first"``) would
show as ``[REDACTED]`` inside an unrelated message. A handler on the logger itself runs first
and keeps a copy.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from contextlib import contextmanager


class _Collect(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__(logging.DEBUG)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(copy.copy(record))  # the route rewrites the original's msg later


@contextmanager
def records_of(name: str, level: int = logging.WARNING) -> Iterator[list[logging.LogRecord]]:
    """``with records_of("runner_gen.tunnel") as records:``: what ``name`` logged at ``level``
    and above meanwhile, unscrubbed."""
    records: list[logging.LogRecord] = []
    handler = _Collect(records)
    logger = logging.getLogger(name)
    previous = logger.level
    logger.setLevel(level)
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
