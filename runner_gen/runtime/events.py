"""What hooks receive when an event is emitted, and the emitter type tasks depend on."""

from __future__ import annotations

import time
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Final, Generic, Literal, Protocol, TypeAlias, TypeVar

if TYPE_CHECKING:
    from runner_gen.runtime.emitting import EmitReport

PayloadT = TypeVar("PayloadT")
PayloadT_co = TypeVar("PayloadT_co", covariant=True)
PayloadT_contra = TypeVar("PayloadT_contra", contravariant=True)

#: Runner's ``failureMode``: stop at the first failing hook, or run them all and then raise.
FailureMode: TypeAlias = Literal["fail-fast", "aggregate"]

#: ``emission.source`` of an emission by the app's own callers (``app.events.x(...)``), as
#: Runner's ``runtime.emitEvent``. A task's emission carries the task's id, an HTTP one the
#: exposure's id.
OUTSIDE: Final = "outside"

#: Runner 5.5 emits ``globals.events.ready`` once start has finished, with source ``"run"`` and
#: no payload, fail-fast: a failing ready hook fails the start (``src/run.ts``).
READY_EVENT_ID: Final = "globals.events.ready"
READY_SOURCE: Final = "run"


class Emitter(Protocol[PayloadT_contra]):
    """An injected event emitter with Runner's emit options.

    ``await user_registered(user)`` runs the hooks in order and raises ``HookError`` (naming the
    hook and its order) at the first failure: Runner's default ``failureMode: "fail-fast"``.
    ``failure_mode="aggregate"`` runs every hook and then raises (one ``HookError``, or a
    ``HookErrorGroup``); ``throw_on_error=False`` runs every hook and raises nothing.
    ``await user_registered.report(user)`` runs every hook and returns an ``EmitReport``
    (Runner's ``report: true``; aggregate and non-throwing unless told otherwise).
    """

    def __call__(
        self,
        payload: PayloadT_contra,
        /,
        *,
        failure_mode: FailureMode = "fail-fast",
        throw_on_error: bool = True,
    ) -> Awaitable[None]: ...

    def report(
        self,
        payload: PayloadT_contra,
        /,
        *,
        failure_mode: FailureMode = "aggregate",
        throw_on_error: bool = False,
    ) -> Awaitable[EmitReport]: ...


#: An injected event emitter, as dependencies are annotated: ``user_registered: Emit[User]``,
#: then ``await user_registered(user)`` (options and ``.report`` as ``Emitter``).
Emit: TypeAlias = Emitter


class Emission(Generic[PayloadT_co]):
    """One emission of an event, passed to each of its hooks in order.

    ``source`` is who emitted it: a task's id, ``"outside"`` for the app's own callers, the
    exposure's id for an HTTP emission. A hook may call ``stop_propagation()`` so that later
    hooks do not run.
    """

    __slots__ = ("_data", "_stopped", "id", "source", "timestamp")

    def __init__(self, id: str, data: PayloadT_co, source: str = OUTSIDE) -> None:
        self.id = id
        self._data = data
        self.source = source
        self.timestamp = time.time()
        self._stopped = False

    @property
    def data(self) -> PayloadT_co:
        return self._data

    def stop_propagation(self) -> None:
        self._stopped = True

    def is_propagation_stopped(self) -> bool:
        return self._stopped

    def __repr__(self) -> str:
        return f"Emission({self.id!r}, {self._data!r}, source={self.source!r})"
