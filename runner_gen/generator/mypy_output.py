"""mypy's plain-text report, read back as records.

``build --typecheck`` runs mypy with fixed output options (no pretty printing, no columns, no
context lines, absolute paths, error codes shown), so each line is ``file:line: severity:
message  [code]``; a note belongs to the error printed before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_LINE = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+): (?P<severity>error|note): (?P<message>.*?)"
    r"(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)


@dataclass
class MypyError:
    file: str
    line: int
    message: str
    code: str | None
    notes: list[str] = field(default_factory=list)

    def verbatim(self) -> str:
        """The message as mypy printed it, with its code and notes."""
        text = self.message + (f"  [{self.code}]" if self.code else "")
        return "".join([text, *(f"\n  note: {note}" for note in self.notes)])


def parse(output: str) -> tuple[list[MypyError], list[str]]:
    """The errors in ``output``, and the lines that are not errors or notes (mypy's own
    complaints: a bad configuration, a crash)."""
    errors: list[MypyError] = []
    other: list[str] = []
    for line in output.splitlines():
        match = _LINE.match(line)
        if match is None:
            if line.strip():
                other.append(line)
            continue
        if match["severity"] == "note":
            if errors:
                errors[-1].notes.append(match["message"])
            continue
        errors.append(MypyError(match["file"], int(match["line"]), match["message"], match["code"]))
    return errors, other
