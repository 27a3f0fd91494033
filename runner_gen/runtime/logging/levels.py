"""Log levels: Runner's six severities, their order, and their mapping onto stdlib ``logging``."""

from __future__ import annotations

import logging
from typing import Final, Literal, TypeAlias

LogLevel: TypeAlias = Literal["trace", "debug", "info", "warn", "error", "critical"]

#: Runner's severities (``trace=0 … critical=5``); comparisons on the hot path use these ints.
LEVEL_VALUES: Final[dict[LogLevel, int]] = {
    "trace": 0,
    "debug": 1,
    "info": 2,
    "warn": 3,
    "error": 4,
    "critical": 5,
}
LEVELS: Final[tuple[LogLevel, ...]] = tuple(LEVEL_VALUES)

#: Above every level: a threshold no record reaches (printing disabled).
SILENT: Final = len(LEVELS)

#: stdlib has no TRACE; 5 sits below DEBUG the way most libraries that add one place it.
STDLIB_TRACE: Final = 5
_TO_STDLIB: Final[tuple[int, ...]] = (
    STDLIB_TRACE,
    logging.DEBUG,
    logging.INFO,
    logging.WARNING,
    logging.ERROR,
    logging.CRITICAL,
)


def level_value(level: LogLevel | None) -> int:
    """The severity of ``level``; None (printing disabled) sorts above every level."""
    return SILENT if level is None else LEVEL_VALUES[level]


def to_stdlib_level(level: LogLevel) -> int:
    return _TO_STDLIB[LEVEL_VALUES[level]]


def from_stdlib_level(levelno: int) -> LogLevel:
    """The Runner level a stdlib record maps to: the highest whose stdlib value it reaches."""
    for value in range(len(_TO_STDLIB) - 1, 0, -1):
        if levelno >= _TO_STDLIB[value]:
            return LEVELS[value]
    return "trace"
