"""debounce and throttle: coalesce bursts of calls into one run whose outcome every caller gets.

Both keep, per key, at most one pending ``_Batch``: the callers waiting for a scheduled run and
the input it will run with (the latest one given). A timer task on the injected clock starts the
run; ``dispose()`` cancels every timer (and any run it started) and fails the callers still
waiting with ``TemporalDisposedError``.

By default every call of the task joins the same burst whatever its input, as in Runner 5.5 (its
state is one per configured middleware, so inputs 1, 2, 3 in one burst run once, with 3). State
lives per wrapped task, so two tasks sharing one ``.with_()`` config never share a burst (Runner
would resolve task A's callers with task B's result). ``key_fn(input)`` is an extension: it
splits the task's calls into independent bursts, one per key.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from runner_gen.runtime.clock import SYSTEM_CLOCK, Clock
from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.middleware.errors import (
    KeyCapacityExceededError,
    MiddlewareConfigError,
    TemporalDisposedError,
)
from runner_gen.runtime.middleware.protocol import Middleware, raise_when_awaited

#: Runner 5.5's message, word for word.
_DISPOSED_MESSAGE = "Temporal middleware resource has been disposed."


@dataclass(frozen=True, slots=True)
class TemporalConfig:
    """``ms``: the quiet period (debounce) or the window (throttle)."""

    ms: int
    key_fn: Callable[[Any], str] | None = None
    max_keys: int = 10_000

    def __post_init__(self) -> None:
        if self.ms < 0:
            raise MiddlewareConfigError(f"ms must be >= 0, got {self.ms}")
        if self.max_keys < 1:
            raise MiddlewareConfigError(f"max_keys must be >= 1, got {self.max_keys}")


@dataclass(frozen=True, slots=True)
class DebounceConfig(TemporalConfig):
    pass


@dataclass(frozen=True, slots=True)
class ThrottleConfig(TemporalConfig):
    pass


class _Batch:
    """Callers waiting on one scheduled run, and the input that run will use."""

    __slots__ = ("callers", "due", "input")

    def __init__(self, due: float) -> None:
        self.due = due
        self.input: Any = None
        self.callers: list[asyncio.Future[Any]] = []

    def join(self, input: Any) -> asyncio.Future[Any]:
        self.input = input
        caller: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.callers.append(caller)
        return caller

    def resolve(self, result: Any) -> None:
        for caller in self.callers:
            if not caller.done():  # a caller cancelled while waiting is simply skipped
                caller.set_result(result)

    def fail(self, error: BaseException) -> None:
        for caller in self.callers:
            if not caller.done():
                caller.set_exception(error)


ConfigT = TypeVar("ConfigT", bound=TemporalConfig)


class _TemporalMiddleware(Middleware[ConfigT]):
    __slots__ = ("_batches", "_clock", "_disposed", "_timers")

    def __init__(self, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self._clock = clock
        self._timers: set[asyncio.Task[None]] = set()
        self._batches: set[_Batch] = set()
        self._disposed = False

    def _disposed_error(self) -> TemporalDisposedError:
        return TemporalDisposedError(_DISPOSED_MESSAGE)

    def _check_open(self) -> None:
        if self._disposed:
            raise self._disposed_error()

    def _schedule(self, batch: _Batch, fire: Coroutine[Any, Any, None]) -> None:
        self._batches.add(batch)
        timer = asyncio.get_running_loop().create_task(fire)
        self._timers.add(timer)
        timer.add_done_callback(self._timers.discard)

    async def _sleep_until_due(self, batch: _Batch) -> None:
        # ``due`` may move later while we sleep (debounce), so re-check after every wake-up.
        while (delay := batch.due - self._clock.now()) > 0:
            await self._clock.sleep(delay)

    async def _run(self, next: Next, batch: _Batch) -> None:
        try:
            result = await next(batch.input)
        except asyncio.CancelledError:
            # Nothing but dispose() cancels a timer task, so the callers learn why.
            batch.fail(self._disposed_error())
            raise
        except BaseException as error:
            batch.fail(error)
            if not isinstance(error, Exception):
                raise
        else:
            batch.resolve(result)
        finally:
            self._batches.discard(batch)

    async def dispose(self) -> None:
        """Cancel every timer and run; fail every caller still waiting."""
        self._disposed = True
        timers = list(self._timers)
        for timer in timers:
            timer.cancel()
        await asyncio.gather(*timers, return_exceptions=True)
        error = self._disposed_error()
        for batch in self._batches:
            batch.fail(error)
        self._batches.clear()


async def _outcome(caller: asyncio.Future[Any]) -> Any:
    return await caller


def _one_burst(input: Any) -> str:
    return ""


def _key_fn(config: TemporalConfig) -> Callable[[Any], str]:
    return config.key_fn or _one_burst


class DebounceMiddleware(_TemporalMiddleware[DebounceConfig]):
    """Trailing edge: the latest input runs once ``ms`` pass with no new call for its key."""

    __slots__ = ()

    def wrap(self, next: Next, info: DefinitionInfo, config: DebounceConfig) -> Next:
        clock = self._clock
        quiet_s = config.ms / 1000
        key_fn = _key_fn(config)
        max_keys = config.max_keys
        pending: dict[str, _Batch] = {}

        async def fire(key: str, batch: _Batch) -> None:
            try:
                await self._sleep_until_due(batch)
            finally:
                del pending[key]  # later calls start a new burst, also after disposal
            await self._run(next, batch)

        async def debounced(input: Any) -> Any:
            self._check_open()
            key = key_fn(input)
            batch = pending.get(key)
            if batch is None:
                if len(pending) >= max_keys:
                    raise KeyCapacityExceededError(
                        middleware="debounce", task_id=info.id, max_keys=max_keys
                    )
                batch = pending[key] = _Batch(0.0)
                self._schedule(batch, fire(key, batch))
            batch.due = clock.now() + quiet_s
            return await batch.join(input)

        return debounced


class _ThrottleState:
    __slots__ = ("last_run", "pending")

    def __init__(self) -> None:
        self.last_run = -math.inf
        self.pending: _Batch | None = None


class ThrottleMiddleware(_TemporalMiddleware[ThrottleConfig]):
    """Leading edge at once, then at most one run per ``ms``: the latest pending input runs at
    the end of the window, and every caller that waited for it gets its outcome."""

    __slots__ = ()

    def wrap(self, next: Next, info: DefinitionInfo, config: ThrottleConfig) -> Next:
        clock = self._clock
        window_s = config.ms / 1000
        key_fn = _key_fn(config)
        max_keys = config.max_keys
        states: dict[str, _ThrottleState] = {}

        def state_for(key: str, now: float) -> _ThrottleState:
            if len(states) >= max_keys:
                for idle in [
                    k
                    for k, s in states.items()
                    if s.pending is None and now - s.last_run >= window_s
                ]:
                    del states[idle]
                if len(states) >= max_keys:
                    raise KeyCapacityExceededError(
                        middleware="throttle", task_id=info.id, max_keys=max_keys
                    )
            state = states[key] = _ThrottleState()
            return state

        async def fire(state: _ThrottleState, batch: _Batch) -> None:
            try:
                await self._sleep_until_due(batch)
            finally:
                state.pending = None
            state.last_run = clock.now()
            await self._run(next, batch)

        def throttled(input: Any) -> Awaitable[Any]:
            # Not a coroutine: the leading edge hands back the next layer's awaitable unawaited
            # (one await hop less per call); the decision is taken at the call, and a refusal
            # still arrives at the await. A throttled call waits for its batch in a coroutine,
            # so what the task returns can still be given to ``create_task``.
            try:
                self._check_open()
                key = key_fn(input)
                now = clock.now()
                state = states.get(key) or state_for(key, now)
                batch = state.pending
                if batch is None:
                    if now - state.last_run >= window_s:
                        state.last_run = now
                        return next(input)
                    batch = state.pending = _Batch(state.last_run + window_s)
                    self._schedule(batch, fire(state, batch))
                return _outcome(batch.join(input))
            except Exception as error:
                return raise_when_awaited(error)

        return throttled
