"""Printers turn a (redacted) record into text: one JSON line, or a short human-readable block.

The layout follows Runner's ``LogPrinter``: a header ``HH:MM:SS.mmm ● LEVEL source``, the
indented message, then ``╰─ Error`` / ``╰─ Data`` / ``╰─ Context`` lines. ``plain`` is the same
layout in ASCII without colour, for sinks that mangle escape codes or box-drawing characters.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Final, Literal, Protocol, TypeAlias

from runner_gen.runtime.logging.record import LogRecord

PrintStrategy: TypeAlias = Literal["pretty", "plain", "json"]


class TextSink(Protocol):
    """Where printed text goes: ``sys.stdout``, an ``io.StringIO``, a file."""

    def write(self, text: str, /) -> object: ...


class Printer(Protocol):
    def format(self, record: LogRecord) -> str:
        """The text for ``record``, ending with a newline."""
        ...


# Built once: json.dumps with non-default options would construct an encoder per call.
# default=str: a sink must get a line even for values JSON cannot encode.
_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",", ":"))
_json: Final = _ENCODER.encode


class JsonPrinter:
    """One JSON object per line: timestamp, level, source, message, then data/context/error."""

    __slots__ = ()

    def format(self, record: LogRecord) -> str:
        return _json(record.to_dict()) + "\n"


_RESET: Final = "\x1b[0m"
_DIM: Final = "\x1b[2m"
_LEVEL_COLOURS: Final[Mapping[str, str]] = {
    "trace": "\x1b[90m",
    "debug": "\x1b[36m",
    "info": "\x1b[32m",
    "warn": "\x1b[33m",
    "error": "\x1b[31m",
    "critical": "\x1b[1;31m",
}


class PrettyPrinter:
    """The human layout; ``color`` adds ANSI colours, ``ascii_only`` avoids ``●`` and ``╰─``."""

    __slots__ = ("_ascii_only", "_color")

    def __init__(self, *, color: bool, ascii_only: bool = False) -> None:
        self._color = color
        self._ascii_only = ascii_only

    def format(self, record: LogRecord) -> str:
        bullet, branch = ("*", "\\-") if self._ascii_only else ("●", "╰─")
        time_of_day = record.timestamp[11:23]
        level = record.level.upper().ljust(8)
        source = record.source or ""
        if self._color:
            colour = _LEVEL_COLOURS[record.level]
            header = f"{_DIM}{time_of_day}{_RESET} {colour}{bullet} {level}{_RESET} {source}"
        else:
            header = f"{time_of_day} {bullet} {level} {source}"
        lines = [header.rstrip()]
        lines.extend(f"  {line}" for line in record.message.splitlines() or [""])
        error = record.error
        if error is not None:
            lines.append(f"  {branch} Error: {error['type']}: {error['message']}".rstrip())
            if error["stack"]:
                lines.extend(f"       {line}" for line in error["stack"].rstrip().splitlines())
        if record.data:
            lines.append(f"  {branch} Data: {_json(record.data)}")
        if record.context:
            lines.append(f"  {branch} Context: {_json(record.context)}")
        return "\n".join(lines) + "\n"


def supports_color(sink: object) -> bool:
    """Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(sink, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except (OSError, ValueError):  # a closed or detached stream
        return False


def make_printer(strategy: PrintStrategy, *, color: bool) -> Printer:
    if strategy == "json":
        return JsonPrinter()
    if strategy == "plain":
        return PrettyPrinter(color=False, ascii_only=True)
    return PrettyPrinter(color=color)
