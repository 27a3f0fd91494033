"""The exception hierarchy every part of runner-gen raises from.

Each error carries a stable ``id`` (Runner's error ids, snake_case) so logs, envelopes and
tests can match on it without parsing messages, and an ``http_code`` the exposure maps to a
status when the error is declared public.
"""

from __future__ import annotations

from typing import Any, ClassVar


class RunnerError(Exception):
    """Base of every error runner-gen raises on purpose."""

    id: ClassVar[str] = "runner.errors.generic"
    http_code: ClassVar[int] = 500

    def __init__(self, message: str, *, remediation: str | None = None, data: Any = None) -> None:
        full = f"{message}\n\nRemediation: {remediation}" if remediation else message
        super().__init__(full)
        self.message = message
        self.remediation = remediation
        self.data = data


class ContextError(RunnerError):
    """An async context was used where no value was provided."""

    id = "runner.errors.context"


class ShutdownLockdownError(RunnerError):
    """A call arrived after the app began to shut down."""

    id = "runner.errors.shutdown_lockdown"
    http_code = 503


class DisposeError(RunnerError):
    """One or more resources failed to dispose; every failure is in ``errors``."""

    id = "runner.errors.dispose"

    def __init__(self, errors: list[tuple[str, BaseException]]) -> None:
        ids = ", ".join(resource_id for resource_id, _ in errors)
        super().__init__(f"{len(errors)} resource(s) failed to dispose: {ids}")
        self.errors = errors
