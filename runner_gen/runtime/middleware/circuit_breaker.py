"""circuit_breaker: stop calling a task that keeps failing, then let one probe test it.

CLOSED counts consecutive failures; at ``failure_threshold`` the circuit opens for
``reset_timeout`` ms and every call fails fast. After that one probe is admitted (HALF_OPEN):
success closes the circuit, failure opens it again. Like Polly v8, admitting a probe blocks
others only until ``now + reset_timeout``, so a probe that hangs cannot wedge the breaker: once
its lease runs out, a new probe is admitted.

Every admitted call carries the circuit's ``epoch`` at admission; any transition (and every probe
admission) starts a new epoch, so a result from an earlier period -- a call that started before
the circuit opened, or a probe whose lease expired -- is ignored. Cancellation is neither a
success nor a failure; a cancelled probe frees the slot at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Any, Final

from runner_gen.runtime.clock import SYSTEM_CLOCK, Clock
from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.journal import CURRENT_JOURNAL, Journal, JournalKey
from runner_gen.runtime.middleware.errors import CircuitOpenError, MiddlewareConfigError
from runner_gen.runtime.middleware.protocol import Middleware


class CircuitState(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


#: The circuit's state as of admission, and again once the call settled (Runner's journal key).
CIRCUIT_BREAKER_STATE: Final = JournalKey[CircuitState](
    "globals.middleware.task.circuitBreaker.state"
)
#: Its consecutive failures, written alongside the state.
CIRCUIT_BREAKER_FAILURES: Final = JournalKey[int]("globals.middleware.task.circuitBreaker.failures")


@dataclass(frozen=True, slots=True)
class CircuitBreakerConfig:
    """Runner's defaults: open after 5 consecutive failures, probe again after 30000 ms."""

    failure_threshold: int = 5
    reset_timeout: int = 30_000

    def __post_init__(self) -> None:
        if self.failure_threshold < 1:
            raise MiddlewareConfigError(
                f"circuit breaker failure_threshold must be >= 1, got {self.failure_threshold}"
            )
        if self.reset_timeout < 0:
            raise MiddlewareConfigError(
                f"circuit breaker reset_timeout must be >= 0 ms, got {self.reset_timeout}"
            )


@dataclass(frozen=True, slots=True)
class CircuitSnapshot:
    """A read-only view of one circuit, for health checks and metrics."""

    task_id: str
    state: CircuitState
    failures: int
    #: Until when (on the clock) calls are rejected; meaningful when not CLOSED.
    blocked_until: float


class Circuit:
    """The breaker state of one wrapped task. Not thread-safe: one event loop owns it."""

    __slots__ = (
        "_clock",
        "_reset_s",
        "_threshold",
        "blocked_until",
        "epoch",
        "failures",
        "state",
        "task_id",
    )

    def __init__(self, task_id: str, config: CircuitBreakerConfig, clock: Clock) -> None:
        self.task_id = task_id
        self._threshold = config.failure_threshold
        self._reset_s = config.reset_timeout / 1000
        self._clock = clock
        self.state = CircuitState.CLOSED
        self.failures = 0
        self.blocked_until = 0.0
        self.epoch = 0

    def snapshot(self) -> CircuitSnapshot:
        return CircuitSnapshot(self.task_id, self.state, self.failures, self.blocked_until)

    def admit_while_tripped(self) -> int:
        """Admit a call as the probe and return its epoch, or raise ``CircuitOpenError``.

        Only for OPEN and HALF_OPEN: the layer admits CLOSED calls itself, inline.
        """
        now = self._clock.now()
        if now < self.blocked_until:
            raise self._rejection(now)
        # OPEN whose break is over, or HALF_OPEN whose probe outlived its lease: new probe.
        self.state = CircuitState.HALF_OPEN
        self.blocked_until = now + self._reset_s
        self.epoch += 1
        return self.epoch

    def _rejection(self, now: float) -> CircuitOpenError:
        error = CircuitOpenError(self.task_id, self.blocked_until - now)
        if self.state is CircuitState.HALF_OPEN:
            # Runner 5.5 words this case apart: callers can tell a probe is already testing.
            # Only the leading sentence changes, whatever detail the error appends after it.
            opened = f'Circuit is OPEN for task "{self.task_id}"'
            probing = f'Circuit is HALF_OPEN for task "{self.task_id}" (probe in progress)'
            message = str(error)
            error.message = error.message.replace(opened, probing, 1)
            error.args = (message.replace(opened, probing, 1),)
        return error

    def succeeded(self, epoch: int) -> None:
        if epoch != self.epoch:
            return
        if self.state is CircuitState.HALF_OPEN:
            self.state = CircuitState.CLOSED
            self.epoch += 1
        self.failures = 0

    def failed(self, epoch: int) -> None:
        if epoch != self.epoch:
            return
        if self.state is CircuitState.CLOSED:
            self.failures += 1
            if self.failures < self._threshold:
                return
        self.state = CircuitState.OPEN
        self.blocked_until = self._clock.now() + self._reset_s
        self.epoch += 1

    def cancelled(self, epoch: int) -> None:
        if epoch == self.epoch and self.state is CircuitState.HALF_OPEN:
            self.blocked_until = self._clock.now()
            self.epoch += 1


class CircuitBreakerMiddleware(Middleware[CircuitBreakerConfig]):
    """One ``Circuit`` per wrapped task; ``circuits`` exposes them read-only by task id."""

    __slots__ = ("_circuits", "_clock")

    def __init__(self, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self._clock = clock
        self._circuits: dict[str, Circuit] = {}

    @property
    def circuits(self) -> Mapping[str, CircuitSnapshot]:
        """A snapshot of every circuit, keyed by task id."""
        return MappingProxyType({key: c.snapshot() for key, c in self._circuits.items()})

    def snapshot(self, task_id: str) -> CircuitSnapshot:
        """The circuit of ``task_id``; ``KeyError`` when no chain of that task was wrapped."""
        return self._circuits[task_id].snapshot()

    def wrap(self, next: Next, info: DefinitionInfo, config: CircuitBreakerConfig) -> Next:
        circuit = Circuit(info.id, config, self._clock)
        self._circuits[info.id] = circuit
        closed = CircuitState.CLOSED

        async def guarded(input: Any) -> Any:
            # The CLOSED check is inlined: it is the per-call path of a healthy task.
            epoch = circuit.epoch if circuit.state is closed else circuit.admit_while_tripped()
            try:
                result = await next(input)
            except Exception:
                circuit.failed(epoch)
                raise
            except asyncio.CancelledError:
                circuit.cancelled(epoch)
                raise
            if circuit.failures or circuit.state is not closed:
                circuit.succeeded(epoch)
            return result

        def record(journal: Journal) -> None:
            journal.set(CIRCUIT_BREAKER_STATE, circuit.state, override=True)
            journal.set(CIRCUIT_BREAKER_FAILURES, circuit.failures, override=True)

        async def guarded_journaled(input: Any) -> Any:
            # Runner writes the state on admission (a refusal included) and once settled.
            journal = CURRENT_JOURNAL.get()
            try:
                epoch = circuit.epoch if circuit.state is closed else circuit.admit_while_tripped()
            finally:
                record(journal)
            try:
                result = await next(input)
            except Exception:
                circuit.failed(epoch)
                record(journal)
                raise
            except asyncio.CancelledError:
                circuit.cancelled(epoch)
                raise
            if circuit.failures or circuit.state is not closed:
                circuit.succeeded(epoch)
            record(journal)
            return result

        return guarded_journaled if info.journaled else guarded
