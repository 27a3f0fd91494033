"""The app's dispose stack, its rollback on a failed start, admission control and drain.

Generated ``start()`` initialises resources as straight-line code and pushes each disposer only
after that resource's init returned, so the stack order is init-*completion* order and disposing
it in reverse always disposes dependents before their dependencies (registering at init *start*
is the svcs/Litestar bug). On failure, ``rollback(error)`` disposes what was initialised and
never raises, so the caller's bare ``raise`` keeps the original error primary (the
``AsyncExitStack`` pitfall is a dispose error replacing it). Rollback reports dispose failures
as notes on the original error (``error.add_note``) and keeps them for code
(:func:`dispose_failures`).

Shutdown, mirroring Runner's phases, every step bounded:

1. *disposing*: the app's ``Tasks``/``Events`` are sealed (calls raise ``DisposedError``) and
   admission closes to new work; continuations of work in flight (calls made inside
   ``in_flight()``) are still admitted.
2. *drain*, at most ``drain_budget`` (10 s): wait for in-flight calls. When the budget runs out
   (or ``skip_drain()`` is called: a second SIGTERM), the calls still running are *abandoned*:
   their asyncio tasks are cancelled, logged with their ids, and not waited for.
3. *dispose*, in reverse: each disposer at most its ``dispose_timeout`` (10 s, or the resource's
   own). One that overruns is cancelled and abandoned, logged with where it was stuck, and the
   next one runs.

The whole of it is bounded by ``shutdown_budget`` (25 s, inside Kubernetes' 30 s grace): the
drain and each timeout are cut to what is left of it, and once it is spent the remaining
disposers are still called but not waited for. A sync disposer runs on the event loop and
cannot be interrupted: make a blocking one async.

Timeouts cost nothing per disposer that finishes in time: disposers run inline in one disposal
task, watched by a single watchdog task that only acts when a deadline passes. It then
abandons the disposal task where it is stuck and starts a fresh one for the disposers left.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from types import CoroutineType, TracebackType
from typing import Any, Final, Literal, TypeAlias

from runner_gen.runtime.clock import SYSTEM_CLOCK, Clock
from runner_gen.runtime.disposal import (
    DisposeFailure,
    Disposer,
    DisposeTimeoutError,
    stuck_at,
)
from runner_gen.runtime.errors import DisposeError, ShutdownLockdownError
from runner_gen.runtime.sealing import Sealable, seal

__all__ = [
    "DEFAULT_DISPOSE_TIMEOUT",
    "DEFAULT_DRAIN_BUDGET",
    "DEFAULT_SHUTDOWN_BUDGET",
    "DisposeFailure",
    "DisposeReporter",
    "DisposeTimeoutError",
    "Disposer",
    "Lifecycle",
    "LifecycleState",
    "dispose_failures",
]

LifecycleState: TypeAlias = Literal["starting", "running", "disposing", "disposed"]

#: Receives each dispose failure as it happens, instead of the stdlib logger.
DisposeReporter: TypeAlias = Callable[[str, BaseException], None]

_LOGGER: Final = logging.getLogger("runner_gen.lifecycle")
_FAILURES_ATTR: Final = "__runner_dispose_errors__"

#: Defaults that fit Kubernetes' 30 s termination grace with room for the process to exit.
DEFAULT_DRAIN_BUDGET: Final = 10.0
DEFAULT_DISPOSE_TIMEOUT: Final = 10.0
DEFAULT_SHUTDOWN_BUDGET: Final = 25.0

# Admission levels: a plain int so the per-call check is one truthiness test.
_OPEN: Final = 0
_CONTINUATIONS_ONLY: Final = 1
_CLOSED: Final = 2

_StackEntry: TypeAlias = tuple[str, Callable[..., Any], tuple[Any, ...]]

#: ``lifecycle.start_stack.append``, as generated start() code receives it.
PushDisposer: TypeAlias = Callable[[_StackEntry], None]


def dispose_failures(error: BaseException) -> tuple[DisposeFailure, ...]:
    """The dispose failures a rollback attached to ``error`` (empty when there were none)."""
    failures = getattr(error, _FAILURES_ATTR, ())
    return failures if isinstance(failures, tuple) else ()


class Lifecycle:
    """One app's dispose stack and shutdown state; see the module docstring for the contract.

    ``dispose_timeout`` is the default per disposer (None: unbounded), ``dispose_timeouts`` the
    resources' own (``resource(...).dispose_timeout(s)``), ``shutdown_budget`` the ceiling on
    drain plus disposal (None: unbounded).
    """

    __slots__ = (
        "_abandoned",
        "_admission",
        "_app_id",
        "_armed",
        "_calls",
        "_clock",
        "_deadline",
        "_depth",
        "_dispose_error",
        "_dispose_timeout",
        "_dispose_timeouts",
        "_drain_budget",
        "_drain_cut",
        "_failures",
        "_generation",
        "_guard",
        "_idle",
        "_in_flight",
        "_logger",
        "_outcome",
        "_reporter",
        "_runner",
        "_sealed",
        "_shutdown_budget",
        "_stack",
        "_state",
        "_watch",
        "_watchdog",
    )

    def __init__(
        self,
        app_id: str,
        *,
        dispose_timeout: float | None = DEFAULT_DISPOSE_TIMEOUT,
        dispose_timeouts: Mapping[str, float] | None = None,
        drain_budget: float = DEFAULT_DRAIN_BUDGET,
        shutdown_budget: float | None = DEFAULT_SHUTDOWN_BUDGET,
        logger: logging.Logger | DisposeReporter | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._app_id = app_id
        self._dispose_timeout = dispose_timeout
        self._dispose_timeouts = dict(dispose_timeouts or {})
        self._drain_budget = drain_budget
        self._shutdown_budget = shutdown_budget
        self._logger = logger if isinstance(logger, logging.Logger) else _LOGGER
        self._reporter = None if isinstance(logger, logging.Logger) else logger
        self._clock = clock
        self._state: LifecycleState = "starting"
        self._admission = _OPEN
        self._stack: list[_StackEntry] = []
        self._failures: list[DisposeFailure] = []
        #: What dispose() raises, made once so repeated calls raise the same error.
        self._dispose_error: BaseException | None = None
        self._sealed: list[Sealable] = []
        self._outcome: asyncio.Future[None] | None = None
        self._runner: asyncio.Task[None] | None = None
        self._generation = 0
        self._deadline = math.inf
        #: ``(generation, resource_id, deadline)`` of the disposer being awaited, if timed.
        self._watch: tuple[int, str, float] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        #: The clock time the watchdog sleeps until.
        self._armed = math.inf
        self._in_flight = 0
        self._calls: dict[asyncio.Task[Any], str | None] = {}
        self._abandoned: tuple[str, ...] = ()
        self._idle: asyncio.Future[None] | None = None
        self._drain_cut: asyncio.Future[None] | None = None
        # Per app, not global: two apps in one process drain independently. The value is
        # ``(depth, outermost task)`` inside a call, None outside one.
        self._depth: ContextVar[tuple[int, asyncio.Task[Any] | None] | None] = ContextVar(
            f"runner_gen.in_flight:{app_id}", default=None
        )
        self._guard = _InFlightGuard(self, None)

    @property
    def app_id(self) -> str:
        return self._app_id

    @property
    def state(self) -> LifecycleState:
        return self._state

    def is_running(self) -> bool:
        """Readiness: started, and shutdown has not begun."""
        return self._state == "running"

    @property
    def in_flight_count(self) -> int:
        return self._in_flight

    @property
    def failures(self) -> tuple[DisposeFailure, ...]:
        """Dispose failures so far, in the order they happened."""
        return tuple(self._failures)

    @property
    def abandoned(self) -> tuple[str, ...]:
        """The in-flight calls the drain gave up on (task ids, or asyncio task names)."""
        return self._abandoned

    # -- start ---------------------------------------------------------------------------------

    @property
    def start_stack(self) -> list[_StackEntry]:
        """The dispose stack, for generated ``start()`` to push ``(id, fn, args)`` onto directly.

        Only valid before ``start()`` returns the app: no one can dispose an app that has not
        been handed out yet, so the state check of ``on_dispose`` is not needed there, and a
        start of 1,000 resources saves a method call for each.
        """
        return self._stack

    def on_dispose(self, resource_id: str, fn: Callable[..., Any], *args: Any) -> None:
        """Push ``fn`` (called as ``fn(*args)`` at dispose; sync or async); call only after the
        resource's init returned. Positional ``args`` spare generated code a ``partial``."""
        if self._state == "disposed":
            raise ShutdownLockdownError(
                f'Resource "{resource_id}" finished init after app "{self._app_id}" was '
                "disposed, so nothing will dispose it.",
                remediation="Dispose it where it was created, or await its init before "
                "disposing the app.",
            )
        # While disposing, the pop loop still reaches it: it is disposed next.
        self._stack.append((resource_id, fn, args))

    def seal_on_dispose(self, *namespaces: Sealable) -> None:
        """When disposal begins, replace every callable of ``namespaces`` (the generated
        ``Tasks`` and ``Events``) with one raising ``DisposedError``: zero cost per call."""
        self._sealed.extend(namespaces)
        if self._outcome is not None:
            for namespace in namespaces:
                seal(namespace, self._app_id)

    def started(self) -> None:
        """Mark the end of start; idempotent while running."""
        if self._state == "starting":
            self._state = "running"
        elif self._state != "running":
            raise ShutdownLockdownError(
                f'App "{self._app_id}" cannot become running: it is already {self._state}.'
            )

    # -- admission and in-flight calls ---------------------------------------------------------

    def admit(self) -> None:
        """Raise ShutdownLockdownError when new work may no longer start."""
        if self._admission and (self._admission == _CLOSED or self._depth.get() is None):
            raise self._lockdown()

    def in_flight(self) -> _InFlightGuard:
        """``with lifecycle.in_flight(): ...`` admits the call and counts it until it ends.

        The drain waits for it but cannot cancel it: use ``tracked`` for calls it should be
        able to abandon."""
        return self._guard

    def tracked(self, task_id: str) -> _InFlightGuard:
        """A guard like ``in_flight()`` whose outermost call the drain can cancel and name
        (``task_id``) when its budget runs out. Create one per task at start."""
        return _InFlightGuard(self, task_id)

    async def drain(self, budget: float) -> bool:
        """Stop admitting new work and wait up to ``budget`` seconds for in-flight work.

        Returns True when nothing is in flight any more. Stragglers are left running: dispose
        abandons them, a direct caller decides.
        """
        if self._admission == _OPEN:
            self._admission = _CONTINUATIONS_ONLY
            self._state = "disposing"
        if not self._in_flight:
            return True
        loop = asyncio.get_running_loop()
        if self._idle is None or self._idle.done():
            self._idle = loop.create_future()
        if self._drain_cut is None:
            self._drain_cut = loop.create_future()
        if self._drain_cut.done() or budget <= 0:
            return False
        sleeper = asyncio.ensure_future(self._clock.sleep(budget))
        try:
            await asyncio.wait(
                {self._idle, self._drain_cut, sleeper}, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            sleeper.cancel()
        return not self._in_flight

    def skip_drain(self) -> None:
        """End the drain now (a second SIGTERM): in-flight calls are abandoned at once."""
        if self._drain_cut is None:
            self._drain_cut = asyncio.get_running_loop().create_future()
        if not self._drain_cut.done():
            self._drain_cut.set_result(None)

    def _abandon_calls(self) -> None:
        calls = [(task, name) for task, name in self._calls.items() if not task.done()]
        if not calls:
            if self._in_flight:
                self._logger.warning(
                    "App %r: %d call(s) still in flight after the drain; disposing anyway",
                    self._app_id,
                    self._in_flight,
                    extra={"source_id": "lifecycle.drain", "app_id": self._app_id},
                )
            return
        names = tuple(name or task.get_name() for task, name in calls)
        self._abandoned = names
        for task, _ in calls:
            task.cancel("abandoned: the app's drain budget ran out")
        self._logger.warning(
            "App %r: drain ended with %d call(s) still running; cancelled and abandoned: %s",
            self._app_id,
            len(names),
            ", ".join(names),
            extra={"source_id": "lifecycle.drain", "app_id": self._app_id, "abandoned": names},
        )

    def _lockdown(self) -> ShutdownLockdownError:
        return ShutdownLockdownError(
            f'App "{self._app_id}" is shutting down and accepts no new task runs or event '
            "emissions.",
            remediation="Retry against another instance, or finish calls before disposing.",
        )

    def _call_ended(self) -> None:
        idle = self._idle
        if idle is not None and not idle.done():
            idle.set_result(None)

    # -- shutdown ------------------------------------------------------------------------------

    async def dispose(self) -> None:
        """Seal, drain, then dispose in reverse; raise what failed, as Runner does.

        One failure is raised as is, with a note naming the resource; two or more raise a
        ``DisposeError`` listing them in dispose order (Runner's ``AggregateError``). Every
        failure stays in ``failures``. Idempotent: later and concurrent calls wait for the same
        disposal and raise the same error. Cancelling it abandons the disposers not yet run.
        """
        outcome = self._begin_disposal(drain=True)
        try:
            await asyncio.shield(outcome)
        except asyncio.CancelledError:
            if not outcome.done():
                self._stop_disposal()
            raise
        if self._failures:
            if self._dispose_error is None:
                self._dispose_error = self._outcome_error()
            raise self._dispose_error

    def _outcome_error(self) -> BaseException:
        failures = self._failures
        if len(failures) == 1:
            resource_id, failure = failures[0]
            # A disposer that cancelled itself stays wrapped: a bare CancelledError out of
            # dispose() would read as the caller being cancelled.
            if isinstance(failure, Exception):
                failure.add_note(
                    f'Resource "{resource_id}" failed to dispose (app "{self._app_id}").'
                )
                return failure
        return DisposeError(list(failures))

    async def rollback(self, error: BaseException) -> tuple[DisposeFailure, ...]:
        """Dispose everything initialised, attach failures to ``error``, and never raise.

        Skips the drain: a failed start serves nothing. A cancellation arriving meanwhile (a
        second SIGTERM) does not interrupt the disposers, which their timeouts bound; it is
        absorbed so the caller's ``raise`` still re-raises the original error.
        """
        outcome = self._begin_disposal(drain=False)
        interrupted = False
        while not outcome.done():
            try:
                await asyncio.wait({outcome})
            except asyncio.CancelledError:
                interrupted = True
        failures = tuple(self._failures)
        for resource_id, failure in failures:
            error.add_note(
                f'While rolling back app "{self._app_id}", resource "{resource_id}" failed to '
                f"dispose: {type(failure).__name__}: {failure}"
            )
        if interrupted:
            error.add_note(f'Rollback of app "{self._app_id}" outlived a cancellation.')
        if self._stack:
            ids = ", ".join(f'"{resource_id}"' for resource_id, _, _ in reversed(self._stack))
            error.add_note(f'Rollback of app "{self._app_id}" was cut short; not disposed: {ids}')
        setattr(error, _FAILURES_ATTR, failures)
        return failures

    def _begin_disposal(self, *, drain: bool) -> asyncio.Future[None]:
        if self._outcome is None:
            self._state = "disposing"
            for namespace in self._sealed:
                seal(namespace, self._app_id)
            loop = asyncio.get_running_loop()
            self._outcome = loop.create_future()
            if self._shutdown_budget is not None:
                self._deadline = self._clock.now() + self._shutdown_budget
            self._spawn_runner(drain)
        return self._outcome

    def _spawn_runner(self, drain: bool) -> None:
        self._generation += 1
        # A task of its own, so rollback can outlive its caller's cancellation and every
        # dispose() call shares one outcome.
        self._runner = asyncio.get_running_loop().create_task(
            self._dispose_all(self._generation, drain),
            name=f"runner-lifecycle:dispose:{self._app_id}",
        )

    def _stop_disposal(self) -> None:
        """The caller of ``dispose()`` was cancelled: abandon what is left (a forced exit)."""
        if self._runner is not None:
            self._runner.cancel()

    async def _dispose_all(self, generation: int, drain: bool) -> None:
        try:
            if drain:
                budget = min(self._drain_budget, self._deadline - self._clock.now())
                if not await self.drain(budget):
                    self._abandon_calls()
            self._admission = _CLOSED
            await self._run_disposers(generation)
        except asyncio.CancelledError:
            if generation == self._generation:
                raise  # cancelled from outside: stop disposing
        finally:
            if generation == self._generation:
                self._finish()

    async def _run_disposers(self, generation: int) -> None:
        # Hot loop (start + dispose of 1,000 resources is benchmarked against plain code): a
        # disposer that completes without suspending costs a call and a type check; one that
        # returns an awaitable adds a clock read and a tuple for the watchdog.
        stack = self._stack
        pop = stack.pop
        coroutine = CoroutineType
        timeouts = self._dispose_timeouts
        default_timeout = self._dispose_timeout
        now = time.monotonic if self._clock is SYSTEM_CLOCK else self._clock.now
        inf = math.inf
        while stack:
            resource_id, fn, args = pop()
            try:
                result = fn(*args)
                if type(result) is coroutine or (
                    result is not None and hasattr(result, "__await__")
                ):
                    timeout = (
                        timeouts.get(resource_id, default_timeout)
                        if timeouts
                        else (default_timeout)
                    )
                    deadline = self._deadline
                    if timeout is not None and (started := now() + timeout) < deadline:
                        deadline = started
                    if deadline != inf:
                        self._watch = (generation, resource_id, deadline)
                        if deadline < self._armed:
                            self._arm(deadline)
                        await result
                        self._watch = None
                    else:
                        await result
                    if generation != self._generation:
                        return  # abandoned meanwhile (it finished late): the new runner goes on
            except asyncio.CancelledError as error:
                if generation != self._generation:
                    return  # the watchdog abandoned this disposer and took over
                self._watch = None
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise  # we are being cancelled: stop disposing
                self._failed(resource_id, error)  # the disposer cancelled itself: a failure
            except Exception as error:
                if generation != self._generation:
                    return  # a late failure of an abandoned disposer: already reported
                self._watch = None
                self._failed(resource_id, error)

    def _arm(self, deadline: float) -> None:
        """Make sure a watchdog wakes by ``deadline``. (When one is already armed for an earlier
        time, the caller skips this: it wakes first, sees the new disposer, and sleeps on.)"""
        watchdog = self._watchdog
        if watchdog is not None and not watchdog.done():
            watchdog.cancel()  # it sleeps past this (shorter) deadline: re-arm
        # Armed from now on, though it has not run yet: disposers that finish without
        # suspending follow each other before it does, and must not re-create it.
        self._armed = deadline
        self._watchdog = asyncio.get_running_loop().create_task(
            self._watch_disposers(), name=f"runner-watchdog:dispose:{self._app_id}"
        )

    async def _watch_disposers(self) -> None:
        """Sleep until the awaited disposer's deadline; if it is still the one awaited then,
        abandon it. Disposers finishing in time never wake this task."""
        clock = self._clock
        try:
            while (watch := self._watch) is not None:
                generation, resource_id, deadline = watch
                left = deadline - clock.now()
                if left > 0:
                    self._armed = deadline
                    await clock.sleep(left)
                    continue
                if generation == self._generation:
                    self._armed = math.inf
                    self._abandon_disposer(resource_id)
                return
        finally:
            if self._watchdog is asyncio.current_task():
                self._armed = math.inf  # nobody is watching: the next disposer starts one

    def _abandon_disposer(self, resource_id: str) -> None:
        runner = self._runner
        where = stuck_at(runner) if runner is not None else None
        self._watch = None
        spent = self._clock.now() >= self._deadline
        if spent:
            reason = f"before the shutdown budget ({self._shutdown_budget} s) ran out"
        else:
            timeout = self._dispose_timeouts.get(resource_id, self._dispose_timeout)
            reason = f"within {timeout} s"
        shown = f" (stuck in {where})" if where else ""
        self._failed(
            resource_id,
            DisposeTimeoutError(
                f'Resource "{resource_id}" did not dispose {reason}{shown}; it was cancelled '
                "and abandoned.",
                stuck_at=where,
            ),
        )
        self._spawn_runner(drain=False)  # a fresh task for the disposers left
        if runner is not None:
            runner.cancel()  # it notices the new generation and leaves the stack alone

    def _finish(self) -> None:
        self._admission = _CLOSED
        self._state = "disposed"
        watchdog = self._watchdog
        if watchdog is not None and not watchdog.done() and watchdog is not asyncio.current_task():
            watchdog.cancel()
        outcome = self._outcome
        if outcome is not None and not outcome.done():
            outcome.set_result(None)

    def _failed(self, resource_id: str, failure: BaseException) -> None:
        self._failures.append((resource_id, failure))
        self._report(resource_id, failure)

    def _report(self, resource_id: str, failure: BaseException) -> None:
        if self._reporter is not None:
            try:
                self._reporter(resource_id, failure)
                return
            except Exception:
                _LOGGER.exception("The dispose reporter of app %r failed", self._app_id)
        timed_out = isinstance(failure, DisposeTimeoutError)
        self._logger.error(
            "App %r: resource %r failed to dispose: %s",
            self._app_id,
            resource_id,
            failure,
            # A timeout's traceback is ours and says nothing; where it was stuck is in the text.
            exc_info=None if timed_out else failure,
            extra={
                "source_id": "lifecycle.dispose",
                "app_id": self._app_id,
                "resource_id": resource_id,
            },
        )

    def __repr__(self) -> str:
        return f"Lifecycle({self._app_id!r}, state={self._state!r}, in_flight={self._in_flight})"


_UNTRACKED: Final = (1, None)


class _InFlightGuard:
    """Reentrant guard: depth lives in a ContextVar, the count on the lifecycle.

    A named guard (``tracked(task_id)``) records the asyncio task of the outermost call, so a
    drain that runs out can cancel it; that costs one ``asyncio.current_task()`` per call. The
    anonymous ``in_flight()`` guard only counts.
    """

    __slots__ = ("_depth", "_lifecycle", "_name")

    def __init__(self, lifecycle: Lifecycle, name: str | None) -> None:
        self._lifecycle = lifecycle
        self._depth = lifecycle._depth
        self._name = name

    def __enter__(self) -> None:
        lifecycle = self._lifecycle
        state = self._depth.get()
        admission = lifecycle._admission
        if admission and (admission == _CLOSED or state is None):
            raise lifecycle._lockdown()
        lifecycle._in_flight += 1
        if state is None:
            if self._name is None:
                self._depth.set(_UNTRACKED)
                return
            # Looked up once per outermost call, kept in the context for __exit__.
            task = asyncio.current_task()
            if task is not None:
                lifecycle._calls[task] = self._name
            self._depth.set((1, task))
        else:
            self._depth.set((state[0] + 1, state[1]))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        lifecycle = self._lifecycle
        state = self._depth.get()
        assert state is not None, "exited an in-flight guard that was not entered"
        depth, task = state
        lifecycle._in_flight -= 1
        if depth == 1:
            self._depth.set(None)
            if task is not None:
                lifecycle._calls.pop(task, None)
        else:
            self._depth.set((depth - 1, task))
        if not lifecycle._in_flight and lifecycle._idle is not None:
            lifecycle._call_ended()
