"""Build errors: each says what is wrong, where (file:line), and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runner_gen.definitions.source import Source


@dataclass(frozen=True, slots=True)
class Problem:
    code: str  # stable, e.g. "duplicate_registration" (Runner's error ids, snake_case)
    message: str
    source: Source | None = None
    remediation: str | None = None

    def render(self) -> str:
        where = f"{self.source}: " if self.source else ""
        text = f"{where}error[{self.code}]: {self.message}"
        if self.remediation:
            text += f"\n  fix: {self.remediation}"
        return text


class BuildError(Exception):
    """The definitions cannot be compiled; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        count = len(self.problems)
        body = "\n".join(problem.render() for problem in self.problems)
        plural = "s" if count != 1 else ""
        return f"{body}\n\nrunner-gen: {count} error{plural}; no files were written."


@dataclass
class Problems:
    """Collects every problem of a build, so one run reports everything wrong at once."""

    found: list[Problem] = field(default_factory=list)

    def add(
        self, code: str, message: str, source: Source | None, remediation: str | None = None
    ) -> None:
        self.found.append(Problem(code, message, source, remediation))

    def extend(self, problems: list[Problem]) -> None:
        self.found.extend(problems)

    def raise_if_any(self) -> None:
        if self.found:
            raise BuildError(list(self.found))


def kind_label(definition: Any) -> str:
    """``Task``, ``Resource``, ``Task middleware``...: how messages name a definition's kind."""
    kind = getattr(definition, "kind", "definition")
    return {
        "task_middleware": "Task middleware",
        "resource_middleware": "Resource middleware",
        "async_context": "Async context",
    }.get(kind, kind.capitalize())
