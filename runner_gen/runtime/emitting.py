"""Running an event's hooks with Runner's failure modes, and building typed emitters.

Generated wiring keeps the default emission straight-line (each hook call wrapped so a failure
becomes ``HookError(hook_id, order, event_id, cause)``); every other mode goes through
:func:`run_hooks` over the event's static tuple of :class:`HookCall`.

Runner 5.5's rules (``src/models/event/EmissionExecutor.ts``, ``EventManager.ts``), mirrored:

- ``failure_mode="fail-fast"`` (default): the first failing hook stops the emission;
- ``"aggregate"``: every hook runs; then one failure is raised as itself, several together;
- ``throw_on_error=False`` turns fail-fast into aggregate and raises nothing;
- a hook is skipped (counted in ``skipped_listeners``) when it is the emission's own source;
- ``stop_propagation()`` ends the emission; hooks after it are neither run nor skipped.

Only ``Exception`` is caught: a cancellation always propagates at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol, TypeVar, cast

from runner_gen.runtime.errors import HookError, HookErrorGroup
from runner_gen.runtime.events import OUTSIDE, Emission, Emitter, FailureMode

PayloadT = TypeVar("PayloadT")
PayloadT_contra = TypeVar("PayloadT_contra", contravariant=True)


@dataclass(slots=True)
class EmitReport:
    """What an emission did: Runner's ``IEventEmitReport`` in snake_case."""

    total_listeners: int
    attempted_listeners: int = 0
    skipped_listeners: int = 0
    succeeded_listeners: int = 0
    failed_listeners: int = 0
    propagation_stopped: bool = False
    errors: list[HookError] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class HookCall:
    """One hook of an event, its dependencies bound: ``run(emission)``, sync or async."""

    hook_id: str
    order: int
    run: Callable[[Emission[Any]], Awaitable[object] | object]


async def run_hooks(
    emission: Emission[Any],
    hooks: Sequence[HookCall],
    *,
    failure_mode: FailureMode = "fail-fast",
    throw_on_error: bool = True,
) -> EmitReport:
    """Run ``hooks`` in order for ``emission`` as Runner does; see the module docstring."""
    fail_fast = failure_mode == "fail-fast" and throw_on_error
    report = EmitReport(len(hooks))
    source = emission.source
    for hook in hooks:
        if emission.is_propagation_stopped():
            break
        if hook.hook_id == source:
            report.skipped_listeners += 1  # a hook does not hear its own emission
            continue
        report.attempted_listeners += 1
        try:
            result = hook.run(emission)
            if result is not None and hasattr(result, "__await__"):
                await result
        except Exception as error:
            failure = HookError(hook.hook_id, hook.order, emission.id, error)
            report.failed_listeners += 1
            report.errors.append(failure)
            if fail_fast:
                raise failure from error
        else:
            report.succeeded_listeners += 1
    report.propagation_stopped = emission.is_propagation_stopped()
    if throw_on_error and report.errors:
        raise failures_of(report)
    return report


def failures_of(report: EmitReport) -> HookError | HookErrorGroup:
    """One failure as itself, several as a ``HookErrorGroup`` carrying the report."""
    if len(report.errors) == 1:
        return report.errors[0]
    group = HookErrorGroup(f"{len(report.errors)} hooks failed", report.errors)
    group.report = report
    return group


class EmitFunction(Protocol[PayloadT_contra]):
    """An event's emit function as generated wiring builds it: the payload, Runner's options and
    the emitting definition's id as ``source``."""

    def __call__(
        self,
        payload: PayloadT_contra,
        /,
        *,
        failure_mode: FailureMode = "fail-fast",
        throw_on_error: bool = True,
        source: str = OUTSIDE,
    ) -> Awaitable[None]: ...


class ReportFunction(Protocol[PayloadT_contra]):
    """An event's report function: runs every hook and returns the ``EmitReport``."""

    def __call__(
        self,
        payload: PayloadT_contra,
        /,
        *,
        failure_mode: FailureMode = "aggregate",
        throw_on_error: bool = False,
        source: str = OUTSIDE,
    ) -> Awaitable[EmitReport]: ...


def bind_emitter(
    emit: EmitFunction[PayloadT], report: ReportFunction[PayloadT], source: str
) -> Emitter[PayloadT]:
    """The emitter one dependent receives: ``emit`` and ``report`` with its ``source`` bound.
    ``partial`` is C code: no extra frame per emit."""
    bound: Any = partial(emit, source=source)
    bound.report = partial(report, source=source)
    with_result = getattr(emit, "with_result", None)
    if with_result is not None:  # a forwarded event: its final payload may be the remote's
        bound.with_result = with_result
    return cast("Emitter[PayloadT]", bound)


async def emit_to_no_hooks(
    payload: object,
    /,
    *,
    failure_mode: FailureMode = "fail-fast",
    throw_on_error: bool = True,
    source: str = OUTSIDE,
) -> None:
    """The emit function of an event no hook listens to."""


async def report_no_hooks(
    payload: object,
    /,
    *,
    failure_mode: FailureMode = "aggregate",
    throw_on_error: bool = False,
    source: str = OUTSIDE,
) -> EmitReport:
    """The report of an event no hook listens to: nothing ran."""
    return EmitReport(0)


class Forwarding:
    """The emit function of a forwarded event: ``forward`` (a tunnel's forwarding emitter,
    which runs the local hooks as its delivery mode says) with Runner's emit options, which a
    forwarded emission ignores. Emitting returns nothing, as every emit does;
    ``with_result(payload)`` resolves to the final payload (the remote's, when it returned
    one), which :func:`emit_with_result` reads."""

    __slots__ = ("with_result",)

    def __init__(self, forward: Callable[[Any], Awaitable[Any]]) -> None:
        self.with_result = forward

    async def __call__(
        self,
        payload: Any,
        /,
        *,
        failure_mode: FailureMode = "fail-fast",
        throw_on_error: bool = True,
        source: str = OUTSIDE,
    ) -> None:
        await self.with_result(payload)


def forwarding(forward: Callable[[Any], Awaitable[Any]]) -> EmitFunction[Any]:
    """The emit function over a tunnel's forwarding emitter (see :class:`Forwarding`)."""
    return Forwarding(forward)


async def emit_with_result(
    emit: Emitter[PayloadT],
    payload: PayloadT,
    /,
    *,
    failure_mode: FailureMode = "fail-fast",
    throw_on_error: bool = True,
) -> PayloadT:
    """Emit, then return the emission's final payload (Runner's ``emitWithResult``).

    For an event a tunnel forwards, that is the payload the remote returned (``mirror``,
    ``remote-only``, a ``remote-first`` that reached the remote); otherwise ``payload`` itself,
    as the hooks left it (a hook may change a mutable payload in place).
    """
    forwarded = cast(
        "Callable[[PayloadT], Awaitable[PayloadT]] | None", getattr(emit, "with_result", None)
    )
    if forwarded is not None:
        return await forwarded(payload)
    await emit(payload, failure_mode=failure_mode, throw_on_error=throw_on_error)
    return payload


def returning_payload(
    emit: Callable[[PayloadT], Awaitable[object]],
) -> Callable[[PayloadT], Awaitable[PayloadT]]:
    """``emit`` as a function returning the final payload, as :func:`emit_with_result` does:
    what an exposure answers a ``{"returnPayload": true}`` request with."""
    forwarded = cast(
        "Callable[[PayloadT], Awaitable[PayloadT]] | None", getattr(emit, "with_result", None)
    )
    if forwarded is not None:
        return forwarded

    async def emit_returning(payload: PayloadT) -> PayloadT:
        await emit(payload)
        return payload

    return emit_returning


def emitter(event_id: str, hooks: Sequence[HookCall], source: str = OUTSIDE) -> Emitter[Any]:
    """A complete emitter for ``event_id`` from its hook tuple, bound to ``source``: the
    runtime-only way to build one (generated code may inline the fail-fast path instead)."""
    hooks = tuple(hooks)

    async def emit(
        payload: Any,
        *,
        failure_mode: FailureMode = "fail-fast",
        throw_on_error: bool = True,
        source: str = OUTSIDE,
    ) -> None:
        await run_hooks(
            Emission(event_id, payload, source),
            hooks,
            failure_mode=failure_mode,
            throw_on_error=throw_on_error,
        )

    async def report(
        payload: Any,
        *,
        failure_mode: FailureMode = "aggregate",
        throw_on_error: bool = False,
        source: str = OUTSIDE,
    ) -> EmitReport:
        return await run_hooks(
            Emission(event_id, payload, source),
            hooks,
            failure_mode=failure_mode,
            throw_on_error=throw_on_error,
        )

    return bind_emitter(emit, report, source)


def as_emitter(fn: Callable[[PayloadT], Awaitable[object]]) -> Emitter[PayloadT]:
    """An ``Emitter`` over a plain async function, for calling a task's function directly in a
    unit test: ``await register_user(user, user_registered=as_emitter(captured.append_async))``.
    Options are accepted and ignored; ``report`` calls ``fn`` once and reports one listener."""

    async def emit(
        payload: PayloadT,
        /,
        *,
        failure_mode: FailureMode = "fail-fast",
        throw_on_error: bool = True,
        source: str = OUTSIDE,
    ) -> None:
        await fn(payload)

    async def report(
        payload: PayloadT,
        /,
        *,
        failure_mode: FailureMode = "aggregate",
        throw_on_error: bool = False,
        source: str = OUTSIDE,
    ) -> EmitReport:
        await fn(payload)
        return EmitReport(1, attempted_listeners=1, succeeded_listeners=1)

    return bind_emitter(emit, report, OUTSIDE)


def reporter(event_id: str, hooks: Sequence[HookCall]) -> ReportFunction[Any]:
    """An event's report function over its static hook tuple: every hook runs (aggregate,
    non-throwing unless told otherwise) and the ``EmitReport`` says what happened."""

    def report(
        payload: Any,
        /,
        *,
        failure_mode: FailureMode = "aggregate",
        throw_on_error: bool = False,
        source: str = OUTSIDE,
    ) -> Awaitable[EmitReport]:
        return run_hooks(
            Emission(event_id, payload, source),
            hooks,
            failure_mode=failure_mode,
            throw_on_error=throw_on_error,
        )

    return report


def overriding(
    replacement: Emitter[PayloadT] | None,
    emit: EmitFunction[PayloadT],
    report: ReportFunction[PayloadT],
) -> tuple[EmitFunction[PayloadT], ReportFunction[PayloadT]]:
    """``(emit, report)``, or, when a test gave a ``replacement`` (e.g. a
    ``runner_gen.testing.Recorder``), functions handing every emission to it instead of the
    event's hooks."""
    if replacement is None:
        return emit, report
    replacing = replacement

    def emit_instead(
        payload: PayloadT,
        /,
        *,
        failure_mode: FailureMode = "fail-fast",
        throw_on_error: bool = True,
        source: str = OUTSIDE,
    ) -> Awaitable[None]:
        return replacing(payload, failure_mode=failure_mode, throw_on_error=throw_on_error)

    def report_instead(
        payload: PayloadT,
        /,
        *,
        failure_mode: FailureMode = "aggregate",
        throw_on_error: bool = False,
        source: str = OUTSIDE,
    ) -> Awaitable[EmitReport]:
        return replacing.report(payload, failure_mode=failure_mode, throw_on_error=throw_on_error)

    return emit_instead, report_instead
