"""The exception hierarchy every part of runner-gen raises from.

Each error carries a stable ``id`` (Runner 5.5's id where Runner has one, so a Node client
rebuilds it) so logs, envelopes, metrics and tests can match on it without parsing messages,
and an ``http_code`` the exposure answers with.

Two families matter to callers:

- :class:`Rejection`: an *expected* refusal or failure of the built-in machinery (rate limit,
  open circuit, full queue, timeout, shutdown, Redis down). Always public over HTTP: its status,
  the typed envelope and ``Retry-After``; logged once at WARNING without a traceback; counted in
  metrics under its id. Clients and tunnels re-raise it as the same class.
- everything else: a fault. Over HTTP a generic 500 (unless declared public), logged with its
  traceback.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar, Literal, Self


class RunnerError(Exception):
    """Base of every error runner-gen raises on purpose."""

    id: ClassVar[str] = "runner.errors.generic"
    http_code: ClassVar[int] = 500
    #: False for a typed error that declared no http code: its envelope leaves ``httpCode``
    #: out, as Runner's does (the status is still 500).
    http_code_declared: ClassVar[bool] = True

    def __init__(self, message: str, *, remediation: str | None = None, data: Any = None) -> None:
        full = f"{message}\n\nRemediation: {remediation}" if remediation else message
        super().__init__(full)
        self.message = message
        self.remediation = remediation
        self.data = data


class Rejection(RunnerError):
    """An expected refusal by the runtime: the caller should back off, retry later or elsewhere.

    ``retry_after`` is how many seconds to wait before trying again, when the refusing side
    knows (a rate-limit window, an open circuit); None otherwise. ``outcome`` says how metrics
    count it: ``"rejected"`` (the caller was turned away: not an error of this service) or
    ``"error"`` (a timeout or an unreachable dependency: worth an alert). ``retryable`` is what
    the retry middleware's default ``stop_retry_if`` reads: retrying a refusal at once only gets
    refused again.

    On the wire ``data`` is ``{"message": ..., "retryAfter": seconds?, ...}``: Runner's
    ``{message}`` shape plus fields its clients ignore.
    """

    outcome: ClassVar[Literal["rejected", "error"]] = "rejected"
    retryable: ClassVar[bool] = False

    def __init__(
        self, message: str, *, retry_after: float | None = None, remediation: str | None = None
    ) -> None:
        super().__init__(message, remediation=remediation)
        self.retry_after = retry_after
        self.data = self.wire_data()

    @property
    def public_message(self) -> str:
        """The message a remote caller sees (the envelope's ``message``); ``message`` by default."""
        return self.message

    def wire_data(self) -> dict[str, Any]:
        """The envelope's ``data``: the message, retry-after and the fields of ``wire_fields``."""
        data: dict[str, Any] = {"message": self.public_message}
        if self.retry_after is not None:
            data["retryAfter"] = round(self.retry_after, 3)
        data.update(self.wire_fields())
        return data

    def wire_fields(self) -> dict[str, Any]:
        """Extra, non-secret facts a remote caller may use (camelCase keys); none by default."""
        return {}

    def retry_after_header(self) -> bytes | None:
        """``Retry-After`` in whole seconds (rounded up, at least 1), or None when unknown."""
        if self.retry_after is None:
            return None
        return b"%d" % max(1, math.ceil(self.retry_after))

    @classmethod
    def from_wire(cls, message: str, data: object, retry_after: float | None) -> Self:
        """Rebuild the rejection a server sent; fields it did not send are None.

        ``retry_after`` is the ``Retry-After`` header's value; the more precise
        ``data["retryAfter"]`` wins when present.
        """
        fields: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
        precise = fields.get("retryAfter")
        if isinstance(precise, int | float) and not isinstance(precise, bool):
            retry_after = float(precise)
        error = cls.__new__(cls)
        error.restore_fields(fields)  # before __init__, which writes ``data`` from the fields
        Rejection.__init__(error, message, retry_after=retry_after)
        if fields:
            error.data = dict(fields)  # what the server sent, unknown keys included
        return error

    def restore_fields(self, fields: Mapping[str, Any]) -> None:
        """Set the subclass's own attributes from ``wire_fields`` output (None when absent)."""


class ContextError(Rejection):
    """An async context was required where no value was provided (Runner's context error).

    400 over HTTP: the caller did not send the context (``x-runner-context``).
    """

    id = "runner.errors.context"
    http_code = 400


class ShutdownLockdownError(Rejection):
    """A call arrived after the app began to shut down: try another instance."""

    id = "runner.errors.shutdownLockdown"  # Runner 6's id (5.5 has none)
    http_code = 503


class DisposedError(ShutdownLockdownError):
    """A call on an app that has been disposed (Runner's ``runResultDisposed``)."""

    id = "runner.errors.runResultDisposed"

    def __init__(self, app_id: str) -> None:
        self.app_id = app_id
        Rejection.__init__(
            self,
            f'App "{app_id}" has been disposed.',
            remediation="Start a new app before calling it again: dispose is terminal.",
        )

    def restore_fields(self, fields: Mapping[str, Any]) -> None:
        app_id = fields.get("appId")
        self.app_id = app_id if isinstance(app_id, str) else ""

    def wire_fields(self) -> dict[str, Any]:
        return {"appId": self.app_id}


class DisposeError(RunnerError):
    """Two or more resources failed to dispose; every failure is in ``errors``, in dispose order.

    A single failure is raised as is (Runner rethrows it unchanged), with a note naming the
    resource; only a disposer that cancelled itself is still wrapped, alone, in this error."""

    id = "runner.errors.dispose"

    def __init__(self, errors: list[tuple[str, BaseException]]) -> None:
        ids = ", ".join(resource_id for resource_id, _ in errors)
        super().__init__(f"{len(errors)} resource(s) failed to dispose: {ids}")
        self.errors = errors


class HookError(RunnerError):
    """A hook failed while an event was emitted; ``__cause__`` is what the hook raised.

    Raised by generated emitters in place of the hook's own error, so the emitting task (and its
    retry middleware, which does not retry it by default) can tell "my work is done, a listener
    failed" from "my work failed". ``order`` is the hook's ``.order(n)``.
    """

    id = "runner.errors.hookFailed"

    def __init__(self, hook_id: str, order: int, event_id: str, cause: BaseException) -> None:
        super().__init__(
            f'Hook "{hook_id}" (order {order}) failed on event "{event_id}": '
            f"{type(cause).__name__}: {cause}"
        )
        self.hook_id = hook_id
        self.order = order
        self.event_id = event_id
        self.__cause__ = cause

    @property
    def cause(self) -> BaseException:
        cause = self.__cause__
        assert cause is not None  # set in __init__; only a caller could have cleared it
        return cause


class HookErrorGroup(ExceptionGroup[HookError]):
    """Several hooks of one emission failed (``failure_mode="aggregate"``); ``report`` (an
    ``EmitReport``) says which ran, which failed and which were skipped."""

    report: Any  # runner_gen.runtime.emitting.EmitReport; Any avoids an import cycle
