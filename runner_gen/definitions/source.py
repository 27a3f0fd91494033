"""Where a definition was written, so every build error can point at file:line."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Source:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{_display_path(self.file)}:{self.line}"


def _display_path(file: str) -> str:
    """Relative to the working directory when inside it: shorter, and the same on every clone."""
    path = Path(file)
    if not path.is_absolute():
        return file
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return file


UNKNOWN_SOURCE = Source("<unknown>", 0)


def caller_source(depth: int = 2) -> Source:
    """The file and line of the user code that called the public builder function.

    ``depth`` counts frames above this function: 1 is our caller, 2 its caller.
    """
    try:
        frame = sys._getframe(depth)
    except ValueError:  # pragma: no cover - only when called from the top of a stack
        return UNKNOWN_SOURCE
    return Source(frame.f_code.co_filename, frame.f_lineno)
