"""Where a definition was written, so every build error can point at file:line.

Recording it must stay cheap: a definitions module of 10,000 definitions records 20,000 or more
of them while it is imported. ``frame.f_lineno`` is not cheap: CPython decodes the code object's
line table from the start up to the current instruction on each read, so reading it once per
definition is quadratic in the size of the module (8 s of a 10,000-definition import). A
``Source`` keeps the code object and the instruction offset instead, both free to read, and works
the line out when someone asks for it (an error message, a provenance comment), decoding each
code object's table once for all the sources in it.
"""

from __future__ import annotations

import sys
import weakref
from bisect import bisect_right
from dataclasses import FrozenInstanceError
from functools import partial
from pathlib import Path
from types import CodeType
from typing import Any, Final

_UNRESOLVED: Final = -1


class Source:
    """A file and line; immutable, and equal to any other ``Source`` of the same file:line.

    ``Source(file, line)`` is known outright; :func:`caller_source` makes one whose line is
    worked out on first use.
    """

    __slots__ = ("_code", "_file", "_line", "_offset")
    __match_args__ = ("file", "line")

    _file: str
    _line: int
    _code: CodeType | None
    _offset: int

    def __init__(self, file: str, line: int) -> None:
        _set = object.__setattr__
        _set(self, "_file", file)
        _set(self, "_line", line)
        _set(self, "_code", None)
        _set(self, "_offset", 0)

    @classmethod
    def of_instruction(cls, code: CodeType, offset: int) -> Source:
        """The source of the instruction at byte ``offset`` of ``code`` (``frame.f_lasti``)."""
        source = cls.__new__(cls)
        _set = object.__setattr__
        _set(source, "_file", code.co_filename)
        _set(source, "_line", _UNRESOLVED)
        _set(source, "_code", code)
        _set(source, "_offset", offset)
        return source

    @property
    def file(self) -> str:
        return self._file

    @property
    def line(self) -> int:
        line = self._line
        if line == _UNRESOLVED:
            assert self._code is not None
            line = _line_of(self._code, self._offset)
            object.__setattr__(self, "_line", line)
            object.__setattr__(self, "_code", None)  # no longer needed: let it go
        return line

    def __str__(self) -> str:
        return f"{_display_path(self.file)}:{self.line}"

    def __repr__(self) -> str:
        return f"Source(file={self.file!r}, line={self.line!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Source):
            return NotImplemented
        return self.file == other.file and self.line == other.line

    def __hash__(self) -> int:
        return hash((self.file, self.line))

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[type[Source], tuple[str, int]]:
        # Code objects do not pickle; the resolved line does.
        return (Source, (self.file, self.line))


class _LineTable:
    """One code object's instruction ranges and their lines, decoded once."""

    __slots__ = ("first_line", "lines", "starts")

    def __init__(self, code: CodeType) -> None:
        self.starts: list[int] = []
        self.lines: list[int | None] = []
        self.first_line = code.co_firstlineno
        for start, _end, line in code.co_lines():
            self.starts.append(start)
            self.lines.append(line)

    def line_at(self, offset: int) -> int:
        index = bisect_right(self.starts, offset) - 1
        line = self.lines[index] if index >= 0 else None
        return self.first_line if line is None else line


# By id, not by the code object: hashing or comparing a code object walks all its constants
# (a whole module's), which would make every lookup as slow as the decoding it saves. The weak
# reference checks the id still means that code object, and drops the table with it.
_TABLES: dict[int, tuple[weakref.ref[CodeType], _LineTable]] = {}


def _line_of(code: CodeType, offset: int) -> int:
    key = id(code)
    entry = _TABLES.get(key)
    if entry is None or entry[0]() is not code:
        entry = (weakref.ref(code, partial(_forget, key)), _LineTable(code))
        _TABLES[key] = entry
    return entry[1].line_at(offset)


def _forget(key: int, reference: weakref.ref[CodeType]) -> None:
    entry = _TABLES.get(key)
    if entry is not None and entry[0] is reference:
        del _TABLES[key]


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

    ``depth`` counts frames above this function: 1 is our caller, 2 its caller. The line is
    resolved when first read (see the module docstring).
    """
    try:
        frame = sys._getframe(depth)
    except ValueError:  # pragma: no cover - only when called from the top of a stack
        return UNKNOWN_SOURCE
    return Source.of_instruction(frame.f_code, frame.f_lasti)
