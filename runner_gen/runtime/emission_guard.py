"""Runner's run-time emission cycle guard (``CycleContext``), for the events that need it.

The build decides which events' emissions can recurse through hooks
(``runner_gen/generator/emission.py``); only their emitters are wrapped by
:func:`guard_cycles`, which keeps the emissions in progress in a context variable and raises
``EventCycleError`` (Runner's ``eventCycle``, same message and path) instead of recursing until
``RecursionError``. Every other emitter reads nothing per emission.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any, TypeVar

from runner_gen.runtime.emitting import EmitFunction, EmitReport, ReportFunction
from runner_gen.runtime.errors import RunnerError
from runner_gen.runtime.events import OUTSIDE, FailureMode

PayloadT = TypeVar("PayloadT")

#: The emissions in progress in this context, outermost first: ``(event id, source)``. Only
#: guarded events (those the build found can recurse) push frames; nothing else reads it.
_EMISSIONS: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("runner_gen.emissions", default=())


class EventCycleError(RunnerError):
    """An emission that would recurse forever through hooks (Runner's ``eventCycle``)."""

    id = "runner.errors.eventCycle"

    def __init__(self, path: Sequence[tuple[str, str]]) -> None:
        chain = "  ->  ".join(f"{event_id}<-{source}" for event_id, source in path)
        super().__init__(
            f"Event emission cycle detected:\n  {chain}\n\nBreak the cycle by changing hook "
            "logic (avoid mutual emits) or gate with conditions/tags.",
            remediation="Refactor hooks to avoid circular event emissions. Use conditional "
            "guards, split events into finer-grained signals, or introduce an intermediate task "
            "to break the cycle.",
            data={"path": [{"id": event_id, "source": source} for event_id, source in path]},
        )
        self.path = tuple(path)


def _enter(event_id: str, source: str, hook_ids: frozenset[str]) -> Any:
    """Push this emission, or raise when it closes a cycle (Runner's ``CycleContext``): the
    event is already being emitted further up, unless one of its hooks re-emits it (a new
    source, seen nowhere in the cycle so far), which the self-skip ends."""
    stack = _EMISSIONS.get()
    for start, (emitting, _) in enumerate(stack):
        if emitting == event_id:
            top_id, top_source = stack[-1]
            safe = (
                top_id == event_id
                and source in hook_ids
                and top_source != source
                and all(frame_source != source for _, frame_source in stack[start:])
            )
            if not safe:
                raise EventCycleError((*stack[start:], (event_id, source)))
            break
    return _EMISSIONS.set((*stack, (event_id, source)))


def guard_cycles(
    emit: EmitFunction[PayloadT],
    report: ReportFunction[PayloadT],
    event_id: str,
    hook_ids: Sequence[str],
) -> tuple[EmitFunction[PayloadT], ReportFunction[PayloadT]]:
    """``emit`` and ``report`` of an event whose emissions can recurse, raising
    ``EventCycleError`` instead of recursing (generated code uses it only for such events)."""
    hooks = frozenset(hook_ids)

    async def guarded_emit(
        payload: PayloadT,
        /,
        *,
        failure_mode: FailureMode = "fail-fast",
        throw_on_error: bool = True,
        source: str = OUTSIDE,
    ) -> None:
        token = _enter(event_id, source, hooks)
        try:
            await emit(payload, failure_mode=failure_mode, throw_on_error=throw_on_error,
                       source=source)  # fmt: skip
        finally:
            _EMISSIONS.reset(token)

    async def guarded_report(
        payload: PayloadT,
        /,
        *,
        failure_mode: FailureMode = "aggregate",
        throw_on_error: bool = False,
        source: str = OUTSIDE,
    ) -> EmitReport:
        token = _enter(event_id, source, hooks)
        try:
            return await report(payload, failure_mode=failure_mode,
                                throw_on_error=throw_on_error, source=source)  # fmt: skip
        finally:
            _EMISSIONS.reset(token)

    return guarded_emit, guarded_report
