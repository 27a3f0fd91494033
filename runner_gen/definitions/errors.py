"""Errors raised while definitions are being written (before any build)."""

from __future__ import annotations

from runner_gen.definitions.source import Source
from runner_gen.runtime.errors import RunnerError


class DefinitionError(RunnerError):
    """A definition is malformed; the message names where it was written."""

    id = "runner.errors.definition"

    def __init__(self, message: str, *, source: Source, remediation: str | None = None) -> None:
        super().__init__(f"{message} (at {source})", remediation=remediation)
        self.source = source
