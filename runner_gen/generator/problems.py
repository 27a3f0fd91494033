"""Build errors: each says what is wrong, where (file:line), and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass

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
